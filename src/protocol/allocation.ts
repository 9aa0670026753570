/**
 * One allocation: the record the daemon keeps in state.json and sends on the wire.
 * Pure schema module: no I/O.
 */
import { z } from 'zod';
import { HEALTH_ACTIONS } from './health-action.js';
import { PID_MAX } from './pid-max.js';

export type { HealthAction } from './health-action.js';

export const portSchema = z.number().int().min(1).max(65535);
export const pidSchema = z.number().int().min(2).max(PID_MAX);
export const serviceSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$/, 'letters, digits and . _ : @ / + - (starting with a letter or digit)');
export const ownerSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
export const typeNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits and . _ -');
export const isoTimeSchema = z.iso.datetime({ offset: true });
/** Health URLs point at this machine only: the daemon never makes requests elsewhere. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function parseHttpUrl(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

export function isLoopbackUrl(value: string): boolean {
  const url = parseHttpUrl(value);
  return url !== null && isLoopbackHost(url.hostname);
}

/** What a request may name: loopback only. */
export const healthUrlSchema = z
  .string()
  .max(2048)
  .refine(isLoopbackUrl, 'an http:// or https:// URL on a loopback host (localhost, 127.x.x.x, [::1])');

/** What a stored allocation may hold: any http(s) URL, so an older state file still loads (the monitor only checks loopback ones). */
export const storedHealthUrlSchema = z
  .string()
  .max(2048)
  .refine((value) => parseHttpUrl(value) !== null, 'an http:// or https:// URL');

export const healthActionSchema = z.enum(HEALTH_ACTIONS);

export const healthSchema = z.strictObject({
  /** Consecutive failed checks (reset by a good one). */
  failures: z.number().int().min(0),
  /** Verdict of the last check, null before the first. */
  status: z.enum(['healthy', 'slow', 'unhealthy', 'starting', 'unknown']).nullable(),
  /** Why the last check failed, null when it did not. */
  reason: z.string().max(64).nullable(),
  lastCheckAt: isoTimeSchema.nullable(),
});

export const allocationSchema = z.strictObject({
  port: portSchema,
  service: serviceSchema.nullable(),
  type: typeNameSchema.nullable(),
  /** Owner process; null for a reservation (`--no-pid`). */
  pid: pidSchema.nullable(),
  /** The owner's start time in clock ticks since boot (/proc/<pid>/stat field 22), for pid-reuse detection. */
  pidStartTime: z.number().int().min(0).nullable(),
  owner: ownerSchema.nullable(),
  cwd: z.string().max(4096).nullable(),
  command: z.string().max(4096).nullable(),
  createdAt: isoTimeSchema,
  expiresAt: isoTimeSchema.nullable(),
  /** The lease length asked for (`--ttl`), which `renew` extends by again; null without a lease. */
  ttlMs: z.number().int().min(1000).nullable().default(null),
  /** False for `--no-listen-check`: the allocation lives as long as its owner, listening or not. */
  listenCheck: z.boolean(),
  healthUrl: storedHealthUrlSchema.nullable(),
  /** What a failing health URL leads to; null: health_monitoring.http_failure_action. */
  healthAction: healthActionSchema.nullable().default(null),
  health: healthSchema,
});

export type Allocation = z.infer<typeof allocationSchema>;
export type AllocationHealth = z.infer<typeof healthSchema>;

const NO_HEALTH: AllocationHealth = Object.freeze({ failures: 0, status: null, reason: null, lastCheckAt: null });

/** The health of an allocation no cycle has looked at yet: one shared, frozen object. */
export function newHealth(): AllocationHealth {
  return NO_HEALTH;
}
