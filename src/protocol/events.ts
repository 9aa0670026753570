/**
 * Audit events as they travel: in audit.log lines, in `events` replies and in pushed
 * `{id, event}` lines of `events --follow`. Plain types; the daemon's audit trail (daemon/audit.ts)
 * writes them.
 */
export type AuditEventType =
  | 'allocation.created'
  | 'allocation.released'
  | 'allocation.reclaimed'
  | 'health.unhealthy'
  | 'health.recovered'
  | 'health.reported'
  | 'health.killing'
  | 'daemon.started'
  | 'daemon.stopped'
  | 'state.recovered';

export interface AuditAllocation {
  port: number;
  service: string | null;
  pid: number | null;
  owner: string | null;
}

export interface AuditEvent {
  seq: number;
  time: string;
  type: AuditEventType;
  allocation?: AuditAllocation;
  reason?: string;
  failures?: number;
  details?: Record<string, unknown>;
}

