/**
 * The two files of the daemon's durable state. Pure schemas; bump STATE_SCHEMA_VERSION with a
 * migration step (migrate.ts).
 *
 * - `state.json`, the snapshot: every allocation as of journal record `journalSeq`.
 * - `state.journal`, the journal: one record per group commit, each with a sequence number one
 *   higher than the last; start-up applies the records after the snapshot's `journalSeq`.
 */
import { z } from 'zod';
import { isoTimeSchema, portSchema, serviceSchema } from '../protocol/allocation.js';
import { storedAllocationSchema } from './records.js';

export const STATE_SCHEMA_VERSION = 2;

export const stateFileSchema = z
  .strictObject({
    schemaVersion: z.literal(STATE_SCHEMA_VERSION),
    writtenAt: isoTimeSchema,
    /** The last journal record this snapshot contains (0: none). */
    journalSeq: z.number().int().min(0),
    allocations: z.array(storedAllocationSchema),
    /** The port each service name had last, for sticky allocation; oldest first. */
    sticky: z.record(serviceSchema, portSchema),
    /** CRC-32 (8 hex digits) of the text before it, written by the daemon (snapshot.ts). */
    check: z.string().regex(/^[0-9a-f]{8}$/).optional(),
  })
  .superRefine((state, ctx) => {
    const seen = new Set<number>();
    state.allocations.forEach((allocation, index) => {
      if (seen.has(allocation.port)) {
        ctx.addIssue({ code: 'custom', path: ['allocations', index, 'port'], message: `port ${allocation.port} is allocated twice` });
      }
      seen.add(allocation.port);
    });
  });

export type StateFile = z.infer<typeof stateFileSchema>;

/**
 * One change inside a journal record:
 * - `{"put": allocation}` — the allocation on its port now (new, or replaced: transfer, renew);
 * - `{"del": port}` — the port is free again;
 * - `{"health": [port, failures, reason]}` — the HealthMonitor's durable verdict for it.
 */
export const journalOpSchema = z.union([
  z.strictObject({ put: storedAllocationSchema }),
  z.strictObject({ del: portSchema }),
  z.strictObject({ health: z.tuple([portSchema, z.number().int().min(0), z.string().max(64).nullable()]) }),
]);

export type JournalOp = z.infer<typeof journalOpSchema>;

export const journalRecordSchema = z.strictObject({
  seq: z.number().int().min(1),
  at: isoTimeSchema,
  ops: z.array(journalOpSchema),
});

export type JournalRecord = z.infer<typeof journalRecordSchema>;
