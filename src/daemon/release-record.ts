/**
 * The bookkeeping of every allocation that ends, in one place: `ports_releases_total` (and
 * `ports_stale_cleaned_total` for reclaims), the recent-releases history, the audit event, and a
 * log line for reclaims. Called after the release is durable.
 */
import type { Allocation } from '../protocol/allocation.js';
import type { ReleaseReason } from '../protocol/results.js';
import type { Clock } from '../shared/clock.js';
import type { ReleaseHistory } from '../health/release-history.js';
import { auditAllocation, type AuditTrail } from './audit.js';
import type { DaemonMetrics } from './metrics.js';

export interface ReleaseContext {
  /** Consecutive failed checks that led to it (the HealthMonitor); default: the allocation's own count. */
  failures?: number;
  /** Released by a `cleanup` sweep rather than by the HealthMonitor or a release request. */
  by?: 'cleanup';
  /** More for the audit event's details (how a kill verdict went). */
  details?: Record<string, unknown>;
}

export type RecordRelease = (allocation: Allocation, reason: ReleaseReason, context?: ReleaseContext) => void;

/** A reason other than a request (`released`) or an owner-tag cleanup (`owner`) is a reclaim. */
export function isReclaim(reason: ReleaseReason): boolean {
  return reason !== 'released' && reason !== 'owner';
}

export function createReleaseRecorder(deps: {
  metrics: Pick<DaemonMetrics, 'releasesTotal' | 'staleCleaned'>;
  history: ReleaseHistory;
  audit: AuditTrail;
  clock: Clock;
  log: { info(object: object, message: string): void };
}): RecordRelease {
  const { metrics, history, audit, clock, log } = deps;
  return (allocation, reason, context = {}) => {
    const now = clock.now();
    const failures = context.failures ?? allocation.health.failures;
    const reclaim = isReclaim(reason);
    metrics.releasesTotal.inc({ reason });
    if (reclaim) metrics.staleCleaned.inc({ reason });
    history.add({ allocation, reason, failures, releasedAt: new Date(now).toISOString() }, now);
    audit.record({
      type: reclaim ? 'allocation.reclaimed' : 'allocation.released',
      allocation: auditAllocation(allocation),
      reason,
      ...(context.failures !== undefined ? { failures } : {}),
      ...(context.by !== undefined || context.details !== undefined ? { details: { ...context.details, ...(context.by !== undefined ? { by: context.by } : {}) } } : {}),
    });
    if (reclaim) {
      log.info({ port: allocation.port, service: allocation.service, ownerPid: allocation.pid, reason, failures, ...(context.by ? { by: context.by } : {}) }, 'allocation reclaimed');
    }
  };
}
