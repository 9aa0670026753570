/**
 * The allocations in memory with the indexes that keep every request O(1) in the number held:
 * ports by service (idempotent allocate, release by service), counts by owner tag (the
 * per-owner limit), by type and by health (the status summary), and the failing set (the
 * HealthMonitor's statistics). Allocation objects are never changed in place: a change is a
 * new object on the same port, so a snapshot can hold the old ones while requests go on. No I/O.
 * The summary is kept as allocations come and go, in the wire's StatusSummary shape.
 */
import type { Allocation } from '../protocol/allocation.js';
import type { StatusSummary } from '../protocol/results.js';
import { durableHealth, fromStored } from './records.js';
import type { JournalOp } from './schema.js';

export interface AllocationTable {
  readonly allocations: ReadonlyMap<number, Allocation>;
  /** Service → the port it had last; least recently used first, at most `stickyMax` entries. */
  readonly sticky: ReadonlyMap<string, number>;
  /** Ports whose allocation has failed checks (failures > 0 or status unhealthy). */
  readonly failing: ReadonlySet<number>;
  /** Add or replace the allocation on its port; returns the one it replaced. */
  put(allocation: Allocation): Allocation | undefined;
  delete(port: number): Allocation | undefined;
  /** The ports held under a service name. */
  servicePorts(service: string): ReadonlySet<number> | undefined;
  ownerCount(owner: string): number;
  summary(): StatusSummary;
  /** Replay one journal change. */
  apply(op: JournalOp, intern?: (value: string | null) => string | null): void;
  /** Remember `port` as the service's sticky port (most recent last, oldest evicted past the bound). */
  setSticky(service: string, port: number): void;
}

const NO_TYPE = '-';
const UNCHECKED = 'unchecked';

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next === 0) counts.delete(key);
  else counts.set(key, next);
}

function isFailing(allocation: Allocation): boolean {
  return allocation.health.failures > 0 || allocation.health.status === 'unhealthy';
}

export function createAllocationTable(options: { stickyMax: number }): AllocationTable {
  const allocations = new Map<number, Allocation>();
  const sticky = new Map<string, number>();
  // One port (the usual case) is kept as a number: a Set per service would cost ~150 bytes each.
  const byService = new Map<string, number | Set<number>>();
  const byOwner = new Map<string, number>();
  const byType = new Map<string, number>();
  const byHealth = new Map<string, number>();
  const failing = new Set<number>();
  let tracked = 0;

  const count = (allocation: Allocation, by: 1 | -1): void => {
    if (allocation.service !== null) {
      const service = allocation.service;
      const ports = byService.get(service);
      if (by === 1) {
        if (ports === undefined) byService.set(service, allocation.port);
        else if (typeof ports === 'number') byService.set(service, new Set([ports, allocation.port]));
        else ports.add(allocation.port);
      } else if (ports === allocation.port) {
        byService.delete(service);
      } else if (typeof ports === 'object') {
        ports.delete(allocation.port);
        if (ports.size === 1) byService.set(service, ports.values().next().value as number);
      }
    }
    if (allocation.owner !== null) bump(byOwner, allocation.owner, by);
    bump(byType, allocation.type ?? NO_TYPE, by);
    bump(byHealth, allocation.health.status ?? UNCHECKED, by);
    if (allocation.pid !== null || allocation.expiresAt !== null) tracked += by;
    if (isFailing(allocation)) {
      if (by === 1) failing.add(allocation.port);
      else failing.delete(allocation.port);
    }
  };

  // One iterator walks the sticky map from its oldest entry across evictions: a fresh
  // `keys().next()` per eviction would skip every entry deleted before it (O(n) each).
  let oldest: Iterator<string> | null = null;
  const evictOldest = (): void => {
    while (sticky.size > 0) {
      oldest ??= sticky.keys();
      const next = oldest.next();
      if (next.done) {
        oldest = null;
        continue;
      }
      sticky.delete(next.value);
      return;
    }
  };
  const setSticky = (service: string, port: number): void => {
    sticky.delete(service);
    sticky.set(service, port);
    while (sticky.size > options.stickyMax) evictOldest();
  };

  const table: AllocationTable = {
    allocations,
    sticky,
    failing,
    put(allocation) {
      const previous = allocations.get(allocation.port);
      // A new health verdict that changes no count (the HealthMonitor, every cycle): no bookkeeping.
      if (
        previous !== undefined &&
        previous.service === allocation.service &&
        previous.owner === allocation.owner &&
        previous.type === allocation.type &&
        previous.pid === allocation.pid &&
        previous.expiresAt === allocation.expiresAt &&
        previous.health.status === allocation.health.status &&
        isFailing(previous) === isFailing(allocation)
      ) {
        allocations.set(allocation.port, allocation);
        return previous;
      }
      if (previous) count(previous, -1);
      allocations.set(allocation.port, allocation);
      count(allocation, 1);
      if (allocation.service !== null && previous?.service !== allocation.service) setSticky(allocation.service, allocation.port);
      return previous;
    },
    delete(port) {
      const previous = allocations.get(port);
      if (!previous) return undefined;
      count(previous, -1);
      allocations.delete(port);
      return previous;
    },
    servicePorts(service) {
      const ports = byService.get(service);
      return typeof ports === 'number' ? new Set([ports]) : ports;
    },
    ownerCount: (owner) => byOwner.get(owner) ?? 0,
    summary: () => ({
      total: allocations.size,
      tracked,
      byType: Object.fromEntries(byType),
      byOwner: Object.fromEntries(byOwner),
      byHealth: Object.fromEntries(byHealth),
    }),
    apply(op, intern) {
      if ('put' in op) {
        table.put(fromStored(op.put, intern));
      } else if ('del' in op) {
        table.delete(op.del);
      } else {
        const [port, failures, reason] = op.health;
        const current = allocations.get(port);
        if (current) table.put({ ...current, health: durableHealth(failures, reason) });
      }
    },
    setSticky,
  };
  return table;
}
