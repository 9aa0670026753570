import { z } from 'zod';
import { allocationSchema, portSchema, serviceSchema } from '../protocol/allocation.js';

/** state.json: the daemon's only durable truth. Pure schema; bump STATE_SCHEMA_VERSION with a migration. */
export const STATE_SCHEMA_VERSION = 1;

export const stateFileSchema = z
  .strictObject({
    schemaVersion: z.literal(STATE_SCHEMA_VERSION),
    writtenAt: z.iso.datetime({ offset: true }),
    allocations: z.array(allocationSchema),
    /** The port each service name had last, for sticky allocation. */
    sticky: z.record(serviceSchema, portSchema),
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

export function emptyState(now: string): StateFile {
  return { schemaVersion: STATE_SCHEMA_VERSION, writtenAt: now, allocations: [], sticky: {} };
}
