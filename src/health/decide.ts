/**
 * The HealthMonitor's verdicts, pure: what one cycle observed about an allocation in, the
 * allocation's next health and what to do out. No I/O, no clock: `now` is passed in.
 */
import { isLoopbackUrl, type Allocation, type AllocationHealth, type HealthAction } from '../protocol/allocation.js';
import type { ReclaimReason } from '../protocol/results.js';
import type { ProcessState } from '../system/process-state.js';

/** What the owner check saw (system/process-state.ts). */
export type ProcessObservation = ProcessState;
export type HttpObservation = 'healthy' | 'slow' | 'unhealthy' | 'unknown';

/**
 * What one cycle saw. `unknown` anywhere means that check could not be made (we ran out of
 * descriptors, a /proc read failed, a probe of ours timed out): it is neither a pass nor a failure.
 */
export interface Observation {
  /** null for a reservation (no owner process). */
  process: ProcessObservation | null;
  /** Whether the port is in use (TCP LISTEN or a bound UDP socket); null when not checked. */
  listening: boolean | 'unknown' | null;
  /** null when there is no health URL or it was not checked. */
  http: HttpObservation | null;
}

export interface HealthPolicy {
  maxFailures: number;
  cleanup: boolean;
  startupGraceMs: number;
  /** What a failing health URL leads to when the allocation names no action of its own. */
  httpAction: HealthAction;
}

/**
 * keep: nothing to do yet; release: release it now; report: the verdict is made and it stays
 * allocated, marked unhealthy; kill: stop the listeners in the owner's process tree, then release.
 */
export type Action = 'keep' | 'release' | 'report' | 'kill';

export interface Verdict {
  /** passed, failed, or unknown: a check could not be made and nothing else failed. */
  outcome: 'passed' | 'failed' | 'unknown';
  health: AllocationHealth;
  action: Action;
  /** Why the check failed (also the reclaim reason), null when it passed. */
  reason: ReclaimReason | null;
  /** A transition worth an audit event. */
  transition: 'unhealthy' | 'recovered' | null;
  /** The count reached max_failures in this cycle and the allocation stays (action report): a health.reported event. */
  reported: boolean;
  /** Whether the durable part of the health (failures, status, reason) changed. */
  changed: boolean;
}

/** Inside the start-up grace period nothing needs to listen yet. */
export function inGrace(allocation: Allocation, now: number, graceMs: number): boolean {
  return now - Date.parse(allocation.createdAt) < graceMs;
}

export function isExpired(allocation: Allocation, now: number): boolean {
  return allocation.expiresAt !== null && Date.parse(allocation.expiresAt) <= now;
}

/** What the monitor needs to check for this allocation this cycle. */
export function checksFor(allocation: Allocation, now: number, graceMs: number): { process: boolean; listen: boolean; http: boolean } {
  const owned = allocation.pid !== null;
  const pastGrace = !inGrace(allocation, now, graceMs);
  return {
    process: owned,
    // A reservation (no pid) lives until release, ttl or cleanup: no listen or HTTP check. Inside
    // the grace period the port is looked at too, but only a listener seen counts (decide).
    listen: owned && allocation.listenCheck,
    // Only loopback URLs are ever requested (an older state file may hold another).
    http: owned && allocation.healthUrl !== null && isLoopbackUrl(allocation.healthUrl) && pastGrace,
  };
}

/** Some check could not be made this cycle. */
export function isUnknown(observation: Observation): boolean {
  return observation.process === 'unknown' || observation.listening === 'unknown' || observation.http === 'unknown';
}

function failureReason(observation: Observation): ReclaimReason | null {
  if (observation.process === 'dead' || observation.process === 'zombie') return 'process_dead';
  if (observation.process === 'reused') return 'pid_reused';
  if (observation.listening === false) return 'not_listening';
  if (observation.http === 'unhealthy') return 'http_unhealthy';
  return null;
}

/**
 * What a count that reached max_failures leads to. Only a failing health URL has a choice: its
 * owner lives and something holds the port (a dead owner or a port nobody holds fails first), so
 * releasing would free nothing. Everything is only reported when cleanup is off.
 */
function finalAction(allocation: Allocation, reason: ReclaimReason, policy: HealthPolicy): Action {
  if (!policy.cleanup) return 'report';
  if (reason !== 'http_unhealthy') return 'release';
  return allocation.healthAction ?? policy.httpAction;
}

/** `nowIso` is `now` as an ISO string, when the caller has it already (one per cycle, not one per allocation). */
export function decide(allocation: Allocation, observation: Observation, now: number, policy: HealthPolicy, nowIso = new Date(now).toISOString()): Verdict {
  const previous = allocation.health;
  const lastCheckAt = nowIso;

  // A lease that ran out is released at once: its end was agreed in advance.
  if (isExpired(allocation, now)) {
    return {
      outcome: 'failed',
      health: { failures: previous.failures, status: 'unhealthy', reason: 'expired', lastCheckAt },
      action: policy.cleanup ? 'release' : 'report',
      reason: 'expired',
      transition: previous.status === 'unhealthy' ? null : 'unhealthy',
      reported: false,
      changed: previous.reason !== 'expired' || previous.status !== 'unhealthy',
    };
  }

  // Inside the start-up grace period nothing need listen yet: a listener seen makes the status
  // healthy (a server that started fast, or one adopted), anything else is just "starting".
  if (observation.listening !== null && observation.listening !== true && inGrace(allocation, now, policy.startupGraceMs)) {
    observation = { ...observation, listening: null };
  }
  const reason = failureReason(observation);
  // A failure seen by a check that could be made counts; otherwise a check that could not be
  // made leaves everything as it was: the count neither grows nor resets.
  if (reason === null && isUnknown(observation)) {
    return {
      outcome: 'unknown',
      health: { failures: previous.failures, status: 'unknown', reason: previous.reason, lastCheckAt },
      action: 'keep',
      reason: null,
      transition: null,
      reported: false,
      changed: false,
    };
  }
  if (reason === null) {
    const starting = observation.listening === null && allocation.listenCheck && allocation.pid !== null && inGrace(allocation, now, policy.startupGraceMs);
    const status = observation.http === 'slow' ? 'slow' : starting ? 'starting' : 'healthy';
    return {
      outcome: 'passed',
      health: { failures: 0, status, reason: null, lastCheckAt },
      action: 'keep',
      reason: null,
      transition: previous.failures > 0 ? 'recovered' : null,
      reported: false,
      // Only what must survive a restart makes the state file be rewritten: the failure count
      // and reason. A status going starting → healthy rides along with the next write.
      changed: previous.failures !== 0 || previous.reason !== null,
    };
  }

  // When only reporting, the count stops at max_failures: the verdict is made, and the state
  // file is not rewritten every cycle for an allocation that stays failing.
  // A failing health URL's count does not carry over to another failure: reported, it may sit at
  // max_failures for long, and a server that then stops listening (while it restarts, say) or
  // dies gets its own max_failures cycles, as a healthy one would.
  const carried = previous.reason === 'http_unhealthy' && reason !== 'http_unhealthy' ? 0 : previous.failures;
  const failures = Math.min(carried + 1, policy.maxFailures);
  const exhausted = failures >= policy.maxFailures;
  const action = exhausted ? finalAction(allocation, reason, policy) : 'keep';
  return {
    outcome: 'failed',
    health: { failures, status: 'unhealthy', reason, lastCheckAt },
    action,
    reason,
    transition: previous.failures === 0 ? 'unhealthy' : null,
    reported: action === 'report' && previous.failures < policy.maxFailures,
    changed: failures !== previous.failures || reason !== previous.reason || previous.status !== 'unhealthy',
  };
}
