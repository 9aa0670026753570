/**
 * Every request the daemon accepts, as strict zod schemas (unknown fields are errors).
 * The envelope is `{id, op, params}`; docs/protocol.md describes each one.
 */
import { z } from 'zod';
import {
  healthActionSchema,
  healthUrlSchema,
  ownerSchema,
  pidSchema,
  portSchema,
  serviceSchema,
  typeNameSchema,
} from './allocation.js';

export const requestIdSchema = z.union([
  z.string().min(1).max(128),
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
]);

export const rangeSchema = z
  .strictObject({ start: portSchema, end: portSchema })
  .refine((range) => range.start <= range.end, 'start must not be greater than end');

export const helloParamsSchema = z.strictObject({
  protocol: z.number().int().min(0).max(1_000_000),
  client: z.string().max(200).optional(),
});

/** At most this many ports in `preferred` or `exclude` (every port there is). */
export const MAX_PORT_LIST = 65535;

export const allocateParamsSchema = z
  .strictObject({
    service: serviceSchema.optional(),
    type: typeNameSchema.optional(),
    /** An exact port: conflict when it is held. */
    port: portSchema.optional(),
    /** Ports to try first, in order; each is skipped when held, and the normal search follows when none is free. */
    preferred: z.array(portSchema).max(MAX_PORT_LIST).optional(),
    /** Ports never to hand out (preferred, sticky or searched). */
    exclude: z.array(portSchema).max(MAX_PORT_LIST).optional(),
    range: rangeSchema.optional(),
    /** The owner process, or null for a reservation that only release, ttl or cleanup ends. */
    pid: pidSchema.nullable(),
    /** The owner's start time as the client read it; the daemon cross-checks it against /proc. */
    pidStartTime: z.number().int().min(0).optional(),
    owner: ownerSchema.optional(),
    ttlMs: z.number().int().min(1000).max(366 * 24 * 3600 * 1000).optional(),
    healthUrl: healthUrlSchema.optional(),
    /** What a failing healthUrl leads to (default: the daemon's health_monitoring.http_failure_action). */
    healthAction: healthActionSchema.optional(),
    listenCheck: z.boolean().optional(),
    cwd: z.string().max(4096).optional(),
    command: z.string().max(4096).optional(),
  })
  .refine((p) => p.port === undefined || p.preferred === undefined, {
    message: 'give port (this exact port) or preferred (ports to try first), not both',
    path: ['preferred'],
  })
  .refine((p) => p.port === undefined || !(p.exclude ?? []).includes(p.port), {
    message: 'the exact port is also in exclude',
    path: ['exclude'],
  })
  .refine((p) => p.healthAction === undefined || p.healthUrl !== undefined, {
    message: 'healthAction says what a failing healthUrl leads to: give healthUrl too',
    path: ['healthAction'],
  })
  .refine((p) => p.healthAction !== 'kill' || p.pid !== null, {
    message: 'healthAction kill stops the owner\'s own processes: a reservation (pid null) has none',
    path: ['healthAction'],
  });

export const releaseParamsSchema = z
  .strictObject({
    ports: z.array(portSchema).max(65535).optional(),
    service: serviceSchema.optional(),
    pid: pidSchema.optional(),
    owner: ownerSchema.optional(),
    /** Report "nothing matched" as E_NOT_FOUND instead of an empty success. */
    strict: z.boolean().optional(),
  })
  .refine(
    (p) => (p.ports?.length ?? 0) > 0 || p.service !== undefined || p.pid !== undefined || p.owner !== undefined,
    'name at least one of ports, service, pid, owner',
  );

export const statusParamsSchema = z.strictObject({
  service: serviceSchema.optional(),
  owner: ownerSchema.optional(),
  type: typeNameSchema.optional(),
  /** Only allocations whose last health status is this (`unchecked`: no cycle has looked yet). */
  health: z.enum(['healthy', 'slow', 'unhealthy', 'starting', 'unknown', 'unchecked']).optional(),
  /** Counts only: no allocation list (cheap at any size). */
  summary: z.boolean().optional(),
  /** At most this many allocations (by port); `next` says where the next page starts. */
  limit: z.number().int().min(1).max(65535).optional(),
  /** Only allocations on ports above this one (the previous page's `next`). */
  after: z.number().int().min(0).max(65535).optional(),
});

export const shutdownParamsSchema = z.strictObject({});

export const eventsParamsSchema = z.strictObject({
  /** Keep the connection open and push each new event. */
  follow: z.boolean().optional(),
  /** How many recent events to return first (default 100). */
  limit: z.number().int().min(0).max(10_000).optional(),
});

export const metricsParamsSchema = z.strictObject({});

/** Hand an allocation to another process (`ports run`: from the wrapper to the command it started). */
export const transferParamsSchema = z.strictObject({
  port: portSchema,
  /** The current owner: the transfer is refused unless it matches. */
  fromPid: pidSchema,
  toPid: pidSchema,
  toPidStartTime: z.number().int().min(0).optional(),
});

/** Extend leases by their ttl (or a new one). */
export const renewParamsSchema = z
  .strictObject({
    ports: z.array(portSchema).min(1).max(65535).optional(),
    service: serviceSchema.optional(),
    ttlMs: z.number().int().min(1000).max(366 * 24 * 3600 * 1000).optional(),
  })
  .refine((p) => p.ports !== undefined || p.service !== undefined, 'name ports or service');

/** Sweep now: dead, reused or expired owners (or every allocation of one owner tag). */
export const cleanupParamsSchema = z.strictObject({
  owner: ownerSchema.optional(),
  dryRun: z.boolean().optional(),
});

const envelope = <Op extends string, P extends z.ZodType>(op: Op, params: P) =>
  z.strictObject({ id: requestIdSchema, op: z.literal(op), params });

export const requestSchemas = {
  hello: envelope('hello', helloParamsSchema),
  allocate: envelope('allocate', allocateParamsSchema),
  release: envelope('release', releaseParamsSchema),
  status: envelope('status', statusParamsSchema.default({})),
  shutdown: envelope('shutdown', shutdownParamsSchema.default({})),
  events: envelope('events', eventsParamsSchema.default({})),
  metrics: envelope('metrics', metricsParamsSchema.default({})),
  transfer: envelope('transfer', transferParamsSchema),
  renew: envelope('renew', renewParamsSchema),
  cleanup: envelope('cleanup', cleanupParamsSchema.default({})),
} as const;

export type Op = keyof typeof requestSchemas;
export const OPS = Object.keys(requestSchemas) as Op[];

export type AllocateParams = z.infer<typeof allocateParamsSchema>;
export type ReleaseParams = z.infer<typeof releaseParamsSchema>;
export type StatusParams = z.infer<typeof statusParamsSchema>;
export type EventsParams = z.infer<typeof eventsParamsSchema>;
export type TransferParams = z.infer<typeof transferParamsSchema>;
export type RenewParams = z.infer<typeof renewParamsSchema>;
export type CleanupParams = z.infer<typeof cleanupParamsSchema>;
export type RequestId = z.infer<typeof requestIdSchema>;

export type Request = { [K in Op]: z.infer<(typeof requestSchemas)[K]> }[Op];

/** Zod issues as one readable line each: `params.port: Too big: expected number to be <=65535`. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(message)';
    return `${where}: ${issue.message}`;
  });
}
