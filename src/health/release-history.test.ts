import { describe, expect, it } from 'vitest';
import type { Allocation } from '../protocol/allocation.js';
import { createReleaseHistory } from './release-history.js';

const record = (port: number) => ({ allocation: { port } as Allocation, reason: 'released' as const, failures: 0, releasedAt: new Date(port).toISOString() });

describe('release history', () => {
  it('keeps at most max_entries, newest last', () => {
    const history = createReleaseHistory(() => ({ maxEntries: 3, maxAgeMs: 1e9 }));
    for (let i = 1; i <= 10; i++) history.add(record(i), i);
    expect(history.list(10).map((r) => r.allocation.port)).toEqual([8, 9, 10]);
  });

  it('drops records older than max_age as time passes', () => {
    const history = createReleaseHistory(() => ({ maxEntries: 100, maxAgeMs: 1000 }));
    history.add(record(1), 0);
    history.add(record(2), 500);
    history.add(record(3), 1200);
    expect(history.list(1200).map((r) => r.allocation.port)).toEqual([2, 3]);
    expect(history.list(5000)).toEqual([]);
  });

  it('keeps nothing with max_entries 0', () => {
    const history = createReleaseHistory(() => ({ maxEntries: 0, maxAgeMs: 1e9 }));
    history.add(record(1), 0);
    expect(history.list(0)).toEqual([]);
  });
});
