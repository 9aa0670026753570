/**
 * An in-memory portkeeper daemon for your own tests: no socket, no files, no background process.
 *
 * @example
 * ```ts
 * import { createTestDaemon } from 'portkeeper/testing';
 * await using daemon = await createTestDaemon({ busyPorts: [3000] }); // or: afterEach(() => daemon.close())
 * const client = await daemon.connect();
 * const { allocation } = await client.allocate({ service: 'web', pid: process.pid });
 * // allocation.port === 3001
 * ```
 */
import { PortsClient } from './client/client.js';
import { createMemoryTransport } from './client/memory-transport.js';
import { loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { PortsError } from './errors.js';
import { createDaemonCore } from './daemon/core.js';
import { createSettingsHolder, daemonSettings } from './daemon/settings.js';
import type { Handler } from './protocol/session.js';
import type { CycleReport } from './health/monitor.js';
import { createSystemProbes } from './health/probes.js';
import { noListenerStopper } from './health/stop-listeners.js';
import { renderSnapshotSync } from './state/snapshot.js';
import { createMemoryStorage } from './state/storage-memory.js';
import { openStateStore } from './state/open-store.js';
import type { StateStore } from './state/store.js';
import { systemClock, type Clock } from './shared/clock.js';
import { procInspector, type ProcessInspector } from './system/process-info.js';
import { PACKAGE_VERSION, PROTOCOL_VERSION } from './version.js';

export interface TestDaemonOptions {
  /** Ports the fake OS reports as in use. Default: none. */
  busyPorts?: Iterable<number>;
  /** Service types; default: the shipped ones (`dev` 3000-3099, `api` 8000-8099, … `test` 15000-24999). */
  types?: Record<string, { start: number; end: number }>;
  /** Default: the shipped `default_type` (`dev`), or the first of `types` when you give them. */
  defaultType?: string;
  /** Owner processes; default: the real /proc. */
  processes?: ProcessInspector;
  clock?: Clock;
  /** Initial state.json text (any schemaVersion this portkeeper reads). */
  state?: string;
  /**
   * HealthMonitor settings (config keys of health_monitoring): the shipped ones, but
   * `startup_grace_ms` 0. The monitor runs only when you call runHealthCycle.
   */
  health?: Partial<Config['health_monitoring']>;
}

export interface TestDaemon extends AsyncDisposable {
  /** A new client over an in-memory transport, already past hello. Rejects (`E_DAEMON_UNREACHABLE`) once the daemon is closed. */
  connect(): Promise<PortsClient>;
  /**
   * Stop: new requests are refused, the clients from `connect()` are closed (after their
   * requests in flight), the HealthMonitor is stopped and the state flushed. Idempotent;
   * `await using daemon = await createTestDaemon()` calls it at the end of the block.
   */
  close(): Promise<void>;
  readonly handler: Handler;
  readonly store: StateStore;
  /** One HealthMonitor cycle now: owners are real processes, busyPorts count as listening. */
  runHealthCycle(): Promise<CycleReport>;
  /** The OS's busy ports, changeable while the test runs. */
  readonly busyPorts: Set<number>;
  /** The durable state as a state.json text (what a restart would load). */
  stateText(): string;
}

/** The shipped config/default.json, read by the daemon's own loader (no user file, no env), so the double cannot drift from it. */
function shippedConfig(): Config {
  return loadConfig({ env: {}, userFile: null }).config;
}

function closedError(): PortsError {
  return new PortsError('E_DAEMON_UNREACHABLE', 'The test daemon is closed');
}

export async function createTestDaemon(options: TestDaemonOptions = {}): Promise<TestDaemon> {
  const shipped = shippedConfig();
  const types = options.types ?? shipped.types;
  const config: Config = {
    ...shipped,
    types,
    default_type: options.defaultType ?? (options.types ? Object.keys(types)[0] : undefined) ?? shipped.default_type,
    health_monitoring: { ...shipped.health_monitoring, startup_grace_ms: 0, ...options.health },
  };
  // The fake OS has no ephemeral range (every port is the test's to hand out) and no descriptor limit.
  const settings = createSettingsHolder(daemonSettings(config, { ephemeral: null, fdLimit: null }));
  const clock = options.clock ?? systemClock;
  const storage = createMemoryStorage(options.state !== undefined ? { 'state.json': options.state } : {});
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
  const { store } = await openStateStore({ storage, clock, log: silent, ...settings.current().store });
  const busyPorts = new Set(options.busyPorts ?? []);
  let closing: Promise<void> | null = null;
  const clients = new Set<PortsClient>();
  const startedAt = clock.now();
  const system = createSystemProbes();
  const core = createDaemonCore({
    settings,
    store,
    // The fake OS: busyPorts are in use and listening; owner processes are real.
    probe: { isFree: async (port) => !busyPorts.has(port) },
    processes: options.processes ?? procInspector,
    // No process stands behind a busy port, so an exact request for one stays a conflict (never adopted).
    holders: async () => ({ inTree: [], others: [] }),
    healthProbes: { processes: system.processes, http: system.http, listening: async () => ({ listening: new Set(busyPorts), unknown: new Set<number>() }) },
    // Nothing really listens on a fake OS's ports: a kill verdict only releases.
    stopper: noListenerStopper,
    clock,
    log: silent,
    auditFile: null,
    accepting: () => closing === null,
    requestShutdown: () => undefined,
    processMetrics: false,
    info: () => ({
      pid: process.pid,
      version: PACKAGE_VERSION,
      protocol: PROTOCOL_VERSION,
      startedAt: new Date(startedAt).toISOString(),
      uptimeMs: clock.now() - startedAt,
      socket: 'memory',
      stateDir: 'memory',
    }),
  });
  const handler = core.handler;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.allSettled([...clients].map((client) => client.close()));
      await core.monitor.stop();
      await store.close();
    })();
    return closing;
  };
  return {
    handler,
    store,
    runHealthCycle: () => (closing === null ? core.monitor.runCycle() : Promise.reject(closedError())),
    busyPorts,
    stateText: () =>
      renderSnapshotSync({ journalSeq: store.stats.lastSeq, allocations: [...store.allocations.values()], sticky: [...store.sticky] }, clock.now()),
    async connect() {
      if (closing !== null) throw closedError();
      const client = new PortsClient(createMemoryTransport(handler));
      clients.add(client);
      void client.closed.then(() => clients.delete(client));
      await client.hello('portkeeper-testing');
      return client;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
