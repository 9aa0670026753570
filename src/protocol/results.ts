/** Result types of each op (plain TypeScript: the client imports these without loading zod). */
import type { WireError } from '../errors.js';
import type { Allocation } from './allocation.js';
import type { HealthAction } from './health-action.js';
import type { AuditEvent } from './events.js';
import type { RequestId } from './messages.js';

/** Why the HealthMonitor or a cleanup sweep reclaimed an allocation. */
export type ReclaimReason = 'process_dead' | 'pid_reused' | 'not_listening' | 'http_unhealthy' | 'expired';

/**
 * Why an allocation ended: a reclaim reason, `released` (asked by release), or `owner` (a
 * cleanup of every allocation of an owner tag). The `reason` of released records, cleanup
 * entries, audit events and `ports_releases_total`.
 */
export type ReleaseReason = ReclaimReason | 'released' | 'owner';


export interface HelloResult {
  protocol: number;
  version: string;
  pid: number;
  startedAt: string;
  socket: string;
  stateDir: string;
  /** The daemon serves a socket systemd passed it (socket activation); absent from older daemons. */
  socketActivated?: boolean;
}

export interface AllocateResult {
  allocation: Allocation;
  /** True when an existing allocation of the same service and pid was returned (idempotent). */
  existing: boolean;
  /**
   * True when the exact `port` was already held by the owner pid or a process of its tree
   * (its child, its process group or session) and was registered as it is: the server
   * listened before it was allocated. False otherwise, and for an `existing` answer.
   */
  adopted: boolean;
  /** With `adopted`: the process found listening (its command line raw); absent otherwise and from older daemons. */
  listener?: { pid: number | null; command: string | null };
  /** True when the service got the port it had last time. */
  sticky: boolean;
  warnings: string[];
}

export interface ReleaseResult {
  released: Allocation[];
  /** Ports named in the request that were not allocated. */
  notFound: number[];
}

export interface DaemonInfo {
  pid: number;
  version: string;
  protocol: number;
  startedAt: string;
  uptimeMs: number;
  socket: string;
  stateDir: string;
  /** The daemon serves a socket its service manager passed it (systemd socket activation) instead of one it bound (absent from in-memory daemons and older ones). */
  socketActivated?: boolean;
  /** How many connections the daemon admits and why (absent from in-memory daemons and older ones). */
  limits?: DaemonLimits;
}

export interface DaemonLimits {
  maxConnections: number;
  portserverMaxConnections: number;
  /** RLIMIT_NOFILE (Node raises the soft limit to the hard one at start); null where unknown. */
  fdLimit: number | null;
  /** Descriptors kept for the daemon's own work, never given to connections. */
  fdReserve: number;
  /** The descriptor limit, not limits.max_connections, set maxConnections. */
  limitedByFds: boolean;
}

/** Counts over every allocation held (not only those the filters select). */
export interface StatusSummary {
  total: number;
  /** With an owner process or a lease: what the HealthMonitor tracks. */
  tracked: number;
  /** By type; `-` for none. */
  byType: Record<string, number>;
  /** By owner tag (untagged allocations are not counted here). */
  byOwner: Record<string, number>;
  /** By last health status; `unchecked` before the first cycle. */
  byHealth: Record<string, number>;
}

export interface StatusResult {
  daemon: DaemonInfo;
  /** The allocations selected, by port; empty with `summary: true`. */
  allocations: Allocation[];
  summary: StatusSummary;
  /** With `limit`: the `after` of the next page, or null when this was the last. */
  next: number | null;
  /** The HealthMonitor's statistics (contract field names). */
  health: HealthStatistics;
  /** Allocations released recently, newest last (bounded by health_monitoring.history_*). */
  recentReleases: ReleasedRecord[];
}

export interface EventsResult {
  events: AuditEvent[];
  /** True when the connection now carries `{id, event}` lines for each new event. */
  following: boolean;
}

export interface MetricsResult {
  contentType: string;
  text: string;
}

export interface ShutdownResult {
  stopping: true;
}

export interface TransferResult {
  allocation: Allocation;
}

export interface RenewResult {
  renewed: Allocation[];
}

export interface CleanupEntry {
  allocation: Allocation;
  /** process_dead, pid_reused, expired, or owner (every allocation of the named owner tag). */
  reason: Extract<ReleaseReason, 'process_dead' | 'pid_reused' | 'expired' | 'owner'>;
  /** What the sweep did: released, or would_release with dryRun. */
  action: 'released' | 'would_release';
}

export interface CleanupResult {
  entries: CleanupEntry[];
  dryRun: boolean;
}

export interface HealthStatistics {
  enabled: boolean;
  active: boolean;
  check_interval_ms: number;
  max_failures: number;
  cleanup_stale_allocations: boolean;
  /** From the configuration: how long after its creation an allocation may go without a listener. Daemons before this field leave it out. */
  startup_grace_ms: number;
  /** From the configuration: what a failing health URL leads to when an allocation names no action. Older daemons leave it out. */
  http_failure_action?: HealthAction;
  total_allocations: number;
  tracked_allocations: number;
  failing_allocations: number;
  failing_details: Array<{ port: number; failures: number; reason: string | null }>;
  last_cycle: {
    started_at: string;
    duration_ms: number;
    checked: number;
    healthy: number;
    unhealthy: number;
    unknown: number;
    released: number;
  } | null;
  cycles: number;
  reclaimed_total: number;
  uptime_ms: number;
}

/** Released allocations with why, bounded by count and age (health_monitoring.history_*). */
export interface ReleasedRecord {
  allocation: Allocation;
  reason: ReleaseReason;
  failures: number;
  releasedAt: string;
}

export type { AuditEvent };

export interface ResultByOp {
  transfer: TransferResult;
  renew: RenewResult;
  cleanup: CleanupResult;
  events: EventsResult;
  metrics: MetricsResult;
  hello: HelloResult;
  allocate: AllocateResult;
  release: ReleaseResult;
  status: StatusResult;
  shutdown: ShutdownResult;
}

export type Reply =
  | { id: RequestId | null; ok: true; result: unknown }
  | { id: RequestId | null; ok: false; error: WireError };

/** A pushed line on a connection that asked for `events` with follow. */
export interface EventPush {
  id: RequestId;
  event: AuditEvent;
}
