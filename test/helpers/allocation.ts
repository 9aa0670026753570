import { newHealth, type Allocation } from '../../src/protocol/allocation.js';

/**
 * An allocation record for tests: a reservation on `port` (no owner process, no lease, created
 * 2026-01-01T00:00:00Z, healthy so far) unless `over` says otherwise.
 */
export function allocation(port: number, over: Partial<Allocation> = {}): Allocation {
  return {
    port,
    service: null,
    type: 'dev',
    pid: null,
    pidStartTime: null,
    owner: null,
    cwd: null,
    command: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: null,
    ttlMs: null,
    listenCheck: true,
    healthUrl: null,
    healthAction: null,
    health: newHealth(),
    ...over,
  };
}
