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
import { createAllocationService } from './daemon/allocation-service.js';
import { createHandler, type Handler } from './daemon/handler.js';
import { createMemoryFile } from './state/atomic-file.js';
import { openStateStore, type StateStore } from './state/store.js';
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
  /** Initial state.json text. */
  state?: string;
}

export interface TestDaemon {
  /** A new client over an in-memory transport, already past hello. */
  connect(): Promise<PortsClient>;
  readonly handler: Handler;
  readonly store: StateStore;
  /** The OS's busy ports, changeable while the test runs. */
  readonly busyPorts: Set<number>;
  /** The state file as the daemon last wrote it. */
  stateText(): string | null;
}

export async function createTestDaemon(options: TestDaemonOptions = {}): Promise<TestDaemon> {
  const clock = options.clock ?? systemClock;
  const file = createMemoryFile(options.state ?? null);
  const store = await openStateStore({ file, source: 'memory:state.json', clock });
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
  const allocations = createAllocationService({
    store,
    policy,
    probe: { isFree: async (port) => !busyPorts.has(port) },
    processes: options.processes ?? procInspector,
    clock,
    limits: { maxAllocationsPerOwner: 100_000 },
  });
  const handler = createHandler({
    allocations,
    store,
    accepting: () => true,
    requestShutdown: () => undefined,
    log: { error: () => undefined },
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
  return {
    handler,
    store,
    busyPorts,
    stateText: () => file.content,
    async connect() {
      const client = new PortsClient(createMemoryTransport(handler));
      await client.hello('portkeeper-testing');
      return client;
    },
  };
}
