/**
 * How many client connections the daemon admits, from its descriptor limit. Pure.
 *
 * Every connection costs a descriptor, and so does the daemon's own work: the journal, the audit
 * log, snapshots, /proc reads, bind tests for allocations in flight, HTTP health checks. A daemon
 * that lets clients take every descriptor cannot read /proc/net/tcp, and without the reserve its
 * health checks could only come out unknown. So connections get the limit minus a reserve:
 * `max(96, limit / 8)` descriptors are kept for the daemon's own work. The configured
 * `limits.max_connections` is a ceiling on top. With a portserver socket, it gets a quarter of
 * the budget (its connections last one request) and the main socket the rest.
 */
import type { FdLimit } from '../system/fd-limit.js';

export interface ConnectionBudget {
  /** The descriptor limit the budget was derived from (null: unknown, config alone decides). */
  fdLimit: number | null;
  /** Descriptors kept for the daemon's own work. */
  reserve: number;
  /** Connections the main socket admits. */
  main: number;
  /** Connections the portserver socket admits (0 without one). */
  portserver: number;
  /** True when the descriptor limit, not limits.max_connections, set the numbers. */
  limitedByFds: boolean;
}

export const MIN_FD_RESERVE = 96;

export function fdReserve(limit: number): number {
  return Math.max(MIN_FD_RESERVE, Math.floor(limit / 8));
}

export function connectionBudget(options: { configured: number; fdLimit: FdLimit | null; portserver: boolean }): ConnectionBudget {
  const { configured, fdLimit, portserver } = options;
  if (fdLimit === null) {
    return { fdLimit: null, reserve: 0, main: configured, portserver: portserver ? configured : 0, limitedByFds: false };
  }
  const limit = fdLimit.soft;
  const reserve = fdReserve(limit);
  // At least a few connections even under an absurdly low limit: the daemon must stay usable.
  const available = Math.max(8, limit - reserve);
  const portserverShare = portserver ? Math.max(2, Math.floor(available / 4)) : 0;
  const mainShare = available - portserverShare;
  const main = Math.min(configured, mainShare);
  return {
    fdLimit: limit,
    reserve,
    main,
    portserver: portserver ? Math.min(configured, portserverShare) : 0,
    limitedByFds: mainShare < configured,
  };
}
