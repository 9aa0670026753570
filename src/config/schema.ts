/**
 * The configuration: schema → normalize. Pure (no fs): load.ts reads the layers.
 * Keys are snake_case as in config/default.json; docs/configuration.md documents each one.
 */
import { z } from 'zod';
import { healthActionSchema } from '../protocol/allocation.js';
import { parsePortRange, type PortRange } from '../shared/port-range.js';

const rangeText = z.string().transform((text, ctx): PortRange => {
  const parsed = parsePortRange(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.range;
});

const exclusion = z.union([z.number().int().min(1).max(65535), rangeText]);

const typeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a type name of letters, digits and . _ -');

export const configSchema = z
  .strictObject({
    default_type: typeName,
    types: z.record(typeName, rangeText).refine((types) => Object.keys(types).length > 0, 'at least one type'),
    exclude_ports: z.array(exclusion),
    skip_ephemeral_range: z.boolean(),
    skip_browser_unsafe_ports: z.boolean(),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    paths: z.strictObject({
      socket: z.string().min(1).nullable(),
      state_dir: z.string().min(1).nullable(),
    }),
    /** The durable state: when the journal is folded into a new snapshot, and how many sticky ports are remembered. */
    state: z.strictObject({
      journal_max_bytes: z.number().int().min(1024).max(1024 * 1024 * 1024),
      journal_max_records: z.number().int().min(1).max(10_000_000),
      compact_idle_ms: z.number().int().min(100).max(24 * 3600 * 1000),
      sticky_max_entries: z.number().int().min(0).max(1_000_000),
    }),
    health_monitoring: z.strictObject({
      enabled: z.boolean(),
      check_interval_ms: z.number().int().min(100).max(3_600_000),
      max_failures: z.number().int().min(1).max(1000),
      cleanup_stale_allocations: z.boolean(),
      startup_grace_ms: z.number().int().min(0).max(3_600_000),
      http_timeout_ms: z.number().int().min(50).max(120_000),
      http_slow_ms: z.number().int().min(1).max(120_000),
      http_expected_status: z
        .array(z.union([z.number().int().min(100).max(599), z.string().regex(/^[1-5]xx$/, 'a status class like "2xx"')]))
        .min(1),
      /** What a health URL failing max_failures times in a row leads to, unless the allocation names its own (healthAction). */
      http_failure_action: healthActionSchema,
      /** kill: how long SIGTERM has before SIGKILL. */
      kill_timeout_ms: z.number().int().min(100).max(600_000),
      history_max_entries: z.number().int().min(0).max(1_000_000),
      history_max_age_ms: z.number().int().min(0).max(366 * 24 * 3600 * 1000),
    }),
    audit: z.strictObject({
      max_bytes: z.number().int().min(4096).max(1024 * 1024 * 1024),
      keep_files: z.number().int().min(0).max(100),
    }),
    metrics: z.strictObject({
      /** Serve /metrics and /healthz over HTTP on this port; null: only over the socket. */
      port: z.number().int().min(1).max(65535).nullable(),
      /** Loopback only. */
      host: z.enum(['127.0.0.1', '::1']),
    }),
    /** Google portpicker's portserver protocol on a second socket (PORTSERVER_ADDRESS). */
    portserver: z.strictObject({
      /** The socket path; null: off. A filesystem path: Node 20 cannot serve the abstract `@name` addresses portpicker reaches. */
      socket: z
        .string()
        .min(1)
        .refine((path) => !path.startsWith('@'), 'a filesystem path; abstract "@name" addresses cannot be served from Node 20 in a way portpicker reaches')
        .nullable(),
      /** Where its ports come from; null: the `test` type's range. */
      range: rangeText.nullable(),
      /** Each connection is closed after this long, answered or not. */
      timeout_ms: z.number().int().min(100).max(60_000),
    }),
    limits: z.strictObject({
      max_line_bytes: z.number().int().min(1024).max(64 * 1024 * 1024),
      max_connections: z.number().int().min(1).max(100_000),
      idle_timeout_ms: z.number().int().min(1000).max(24 * 3600 * 1000),
      /** From a request line's first byte to its newline; more bytes do not extend it. */
      request_line_timeout_ms: z.number().int().min(100).max(3_600_000),
      max_allocations_per_owner: z.number().int().min(1).max(1_000_000),
      shutdown_timeout_ms: z.number().int().min(100).max(600_000),
    }),
  })
  .superRefine((config, ctx) => {
    if (!Object.hasOwn(config.types, config.default_type)) {
      ctx.addIssue({
        code: 'custom',
        path: ['default_type'],
        message: `"${config.default_type}" is not one of the types (${Object.keys(config.types).join(', ')})`,
      });
    }
    if (config.portserver.socket !== null && config.portserver.range === null && !Object.hasOwn(config.types, 'test')) {
      ctx.addIssue({ code: 'custom', path: ['portserver', 'range'], message: 'there is no `test` type to take portserver ports from; set a range such as "15000-24999"' });
    }
  });

export type Config = z.infer<typeof configSchema>;

/** Exclusions as ranges (a lone port is a one-port range). */
export function exclusionRanges(config: Config): PortRange[] {
  return config.exclude_ports.map((entry) => (typeof entry === 'number' ? { start: entry, end: entry } : entry));
}
