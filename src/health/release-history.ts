import type { Allocation } from '../protocol/allocation.js';

/** Released allocations with why, bounded by count and age (health_monitoring.history_*). */
export interface ReleasedRecord {
  allocation: Allocation;
  reason: string;
  failures: number;
  releasedAt: string;
}

export interface ReleaseHistory {
  add(record: ReleasedRecord, now: number): void;
  list(now: number): ReleasedRecord[];
}

export function createReleaseHistory(bounds: { maxEntries: number; maxAgeMs: number }): ReleaseHistory {
  let records: ReleasedRecord[] = [];
  const prune = (now: number): void => {
    const oldest = now - bounds.maxAgeMs;
    records = records.filter((record) => Date.parse(record.releasedAt) >= oldest);
    if (records.length > bounds.maxEntries) records = records.slice(records.length - bounds.maxEntries);
  };
  return {
    add(record, now) {
      records.push(record);
      prune(now);
    },
    list(now) {
      prune(now);
      return [...records];
    },
  };
}
