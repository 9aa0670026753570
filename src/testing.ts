/**
 * An in-memory portkeeper daemon for your own tests: no socket, no files, no background process.
 *
 * @example
 * ```ts
 * import { createTestDaemon } from 'portkeeper/testing';
 * const daemon = await createTestDaemon({ busyPorts: [3000] });
 * const client = await daemon.connect();
 * const { allocation } = await client.allocate({ service: 'web', pid: process.pid });
 * // allocation.port === 3001
 * ```
 */
import type { PortPolicy } from './allocator/policy.js';
import { PortsClient } from './client/client.js';
import { createMemoryTransport } from './client/memory-transport.js';
import type { Config } from './config/schema.js';
import { createDaemonCore } from './daemon/core.js';
import type { Handler } from './daemon/handler.js';
import type { CycleReport } from './health/monitor.js';
import { createSystemProbes } from './health/probes.js';
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
  /** Service types; default `dev` 3000-3099, `test` 15000-24999. */
  types?: Record<string, { start: number; end: number }>;
  defaultType?: string;
  /** Owner processes; default: the real /proc. */
  processes?: ProcessInspector;
  clock?: Clock;
  /** Initial state.json text (any schemaVersion this portkeeper reads). */
  state?: string;
  /** HealthMonitor settings (config keys of health_monitoring); the monitor runs only when you call runHealthCycle. */
  health?: Partial<Config['health_monitoring']>;
}

export interface TestDaemon {
  /** A new client over an in-memory transport, already past hello. */
  connect(): Promise<PortsClient>;
  readonly handler: Handler;
  readonly store: StateStore;
  /** One HealthMonitor cycle now: owners are real processes, busyPorts count as listening. */
  runHealthCycle(): Promise<CycleReport>;
  /** The OS's busy ports, changeable while the test runs. */
  readonly busyPorts: Set<number>;
  /** The durable state as a state.json text (what a restart would load). */
  stateText(): string;
}

const DEFAULT_TEST_CONFIG: Pick<Config, 'health_monitoring' | 'limits'> = {
  health_monitoring: {
    enabled: true,
    check_interval_ms: 1000,
    max_failures: 3,
    cleanup_stale_allocations: true,
    startup_grace_ms: 0,
    http_timeout_ms: 2000,
    http_slow_ms: 1000,
    http_expected_status: ['2xx', '3xx'],
    history_max_entries: 1000,
    history_max_age_ms: 86_400_000,
  },
  limits: { max_line_bytes: 1 << 20, max_connections: 1024, idle_timeout_ms: 300_000, request_line_timeout_ms: 10_000, max_allocations_per_owner: 100_000, shutdown_timeout_ms: 10_000 },
};

export async function createTestDaemon(options: TestDaemonOptions = {}): Promise<TestDaemon> {
  const clock = options.clock ?? systemClock;
  const storage = createMemoryStorage(options.state !== undefined ? { 'state.json': options.state } : {});
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
  const { store } = await openStateStore({
    storage,
    clock,
    log: silent,
    compaction: { maxBytes: 1 << 20, maxRecords: 10_000, idleMs: 60_000 },
    stickyMax: 10_000,
  });
  const busyPorts = new Set(options.busyPorts ?? []);
  const types = options.types ?? { dev: { start: 3000, end: 3099 }, test: { start: 15000, end: 24999 } };
  const policy: PortPolicy = {
    types,
    defaultType: options.defaultType ?? Object.keys(types)[0] ?? 'dev',
    exclusions: [],
    ephemeral: null,
    skipBrowserUnsafe: true,
  };
  const startedAt = clock.now();
  const system = createSystemProbes();
  const core = createDaemonCore({
    config: { ...DEFAULT_TEST_CONFIG, health_monitoring: { ...DEFAULT_TEST_CONFIG.health_monitoring, ...options.health } },
    store,
    policy,
    // The fake OS: busyPorts are in use and listening; owner processes are real.
    probe: { isFree: async (port) => !busyPorts.has(port) },
    processes: options.processes ?? procInspector,
    healthProbes: { processes: system.processes, http: system.http, listening: async () => ({ listening: new Set(busyPorts), unknown: new Set<number>() }) },
    clock,
    log: silent,
    auditFile: null,
    accepting: () => true,
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
  return {
    handler,
    store,
    runHealthCycle: () => core.monitor.runCycle(),
    busyPorts,
    stateText: () =>
      renderSnapshotSync({ journalSeq: store.stats.lastSeq, allocations: [...store.allocations.values()], sticky: [...store.sticky] }, clock.now()),
    async connect() {
      const client = new PortsClient(createMemoryTransport(handler));
      await client.hello('portkeeper-testing');
      return client;
    },
  };
}
