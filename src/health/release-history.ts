import type { ReleasedRecord } from '../protocol/results.js';

/** health_monitoring.history_max_entries and history_max_age_ms. */
export interface HistoryBounds {
  maxEntries: number;
  maxAgeMs: number;
}

export interface ReleaseHistory {
  add(record: ReleasedRecord, now: number): void;
  list(now: number): ReleasedRecord[];
}

/**
 * Records arrive in time order, so pruning only ever drops from the front: O(1) amortised per
 * release (every release adds one, and at 32 busy clients a full scan per release was the
 * daemon's largest single cost).
 */
export function createReleaseHistory(bounds: () => HistoryBounds): ReleaseHistory {
  let records: Array<{ at: number; record: ReleasedRecord }> = [];
  let head = 0;
  const prune = (now: number): void => {
    const { maxAgeMs, maxEntries } = bounds();
    const oldest = now - maxAgeMs;
    while (head < records.length && ((records[head]?.at ?? now) < oldest || records.length - head > maxEntries)) head++;
    // Compact once the dropped prefix is as long as what is kept.
    if (head > 0 && head >= records.length - head) {
      records = records.slice(head);
      head = 0;
    }
  };
  return {
    add(record, now) {
      records.push({ at: now, record });
      prune(now);
    },
    list(now) {
      prune(now);
      return records.slice(head).map((entry) => entry.record);
    },
  };
}
