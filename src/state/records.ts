/**
 * An allocation as state.json and the journal hold it: the wire record without what is null or
 * at its default (about 40 % of the bytes of a typical record), and without the health fields
 * that do not survive a restart (status `healthy`/`slow`/`starting`/`unknown`, `lastCheckAt`). Reading is
 * lenient about the older, fuller form: a field may be absent or null, so every schemaVersion-1
 * record is a valid record here. Pure.
 */
import { z } from 'zod';
import {
  healthActionSchema,
  isoTimeSchema,
  ownerSchema,
  pidSchema,
  portSchema,
  serviceSchema,
  storedHealthUrlSchema,
  typeNameSchema,
  newHealth,
  type Allocation,
  type AllocationHealth,
} from '../protocol/allocation.js';

const nullish = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const storedHealthSchema = z.strictObject({
  failures: z.number().int().min(0),
  status: nullish(z.enum(['healthy', 'slow', 'unhealthy', 'starting', 'unknown'])),
  reason: nullish(z.string().max(64)),
  lastCheckAt: nullish(isoTimeSchema),
});

export const storedAllocationSchema = z.strictObject({
  port: portSchema,
  service: nullish(serviceSchema),
  type: nullish(typeNameSchema),
  pid: nullish(pidSchema),
  pidStartTime: nullish(z.number().int().min(0)),
  owner: nullish(ownerSchema),
  cwd: nullish(z.string().max(4096)),
  command: nullish(z.string().max(4096)),
  createdAt: isoTimeSchema,
  expiresAt: nullish(isoTimeSchema),
  ttlMs: nullish(z.number().int().min(1000)),
  listenCheck: z.boolean().optional(),
  healthUrl: nullish(storedHealthUrlSchema),
  healthAction: nullish(healthActionSchema),
  health: storedHealthSchema.optional(),
});

export type StoredAllocation = z.infer<typeof storedAllocationSchema>;

/** What of a health survives a restart: the failure count and reason (status follows from them). */
export function durableHealth(failures: number, reason: string | null): AllocationHealth {
  if (failures === 0 && reason === null) return newHealth();
  return { failures, status: 'unhealthy', reason, lastCheckAt: null };
}

/**
 * Strings that recur in many records (a command, a folder, a type) are kept once: 50,000
 * allocations of one test runner share one command line instead of holding 50,000 copies.
 */
export function createInterner(maxEntries = 4096): (value: string | null) => string | null {
  let seen = new Map<string, string>();
  return (value) => {
    if (value === null) return null;
    const known = seen.get(value);
    if (known !== undefined) return known;
    if (seen.size >= maxEntries) seen = new Map();
    seen.set(value, value);
    return value;
  };
}

export function toStored(allocation: Allocation): StoredAllocation {
  const record: StoredAllocation = { port: allocation.port, createdAt: allocation.createdAt };
  if (allocation.service !== null) record.service = allocation.service;
  if (allocation.type !== null) record.type = allocation.type;
  if (allocation.pid !== null) record.pid = allocation.pid;
  if (allocation.pidStartTime !== null) record.pidStartTime = allocation.pidStartTime;
  if (allocation.owner !== null) record.owner = allocation.owner;
  if (allocation.cwd !== null) record.cwd = allocation.cwd;
  if (allocation.command !== null) record.command = allocation.command;
  if (allocation.expiresAt !== null) record.expiresAt = allocation.expiresAt;
  if (allocation.ttlMs !== null) record.ttlMs = allocation.ttlMs;
  if (!allocation.listenCheck) record.listenCheck = false;
  if (allocation.healthUrl !== null) record.healthUrl = allocation.healthUrl;
  if (allocation.healthAction !== null) record.healthAction = allocation.healthAction;
  const { failures, reason } = allocation.health;
  if (failures !== 0 || reason !== null) record.health = { failures, reason };
  return record;
}

export function fromStored(record: StoredAllocation, intern: (value: string | null) => string | null = (value) => value): Allocation {
  return {
    port: record.port,
    service: record.service ?? null,
    type: intern(record.type ?? null),
    pid: record.pid ?? null,
    pidStartTime: record.pidStartTime ?? null,
    owner: intern(record.owner ?? null),
    cwd: intern(record.cwd ?? null),
    command: intern(record.command ?? null),
    createdAt: record.createdAt,
    expiresAt: record.expiresAt ?? null,
    ttlMs: record.ttlMs ?? null,
    listenCheck: record.listenCheck ?? true,
    healthUrl: record.healthUrl ?? null,
    healthAction: record.healthAction ?? null,
    health: record.health ? durableHealth(record.health.failures, record.health.reason ?? null) : newHealth(),
  };
}
