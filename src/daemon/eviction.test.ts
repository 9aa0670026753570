import { describe, expect, it } from 'vitest';
import { chooseEviction, EVICTION_MIN_IDLE_MS } from './eviction.js';

const conn = (name: string, idleSince: number, busy = false) => ({ name, idleSince, busy });

describe('chooseEviction', () => {
  it('chooses the connection idle the longest', () => {
    const table = [conn('recent', 9_000), conn('oldest', 1_000), conn('middle', 5_000)];
    expect(chooseEviction(table, 10_000)?.name).toBe('oldest');
  });

  it('never chooses one with a request in flight or following events, however long idle', () => {
    const table = [conn('busy', 0, true), conn('idle', 8_000)];
    expect(chooseEviction(table, 10_000)?.name).toBe('idle');
    expect(chooseEviction([conn('busy', 0, true)], 10_000)).toBeNull();
  });

  it(`leaves a connection idle for less than ${EVICTION_MIN_IDLE_MS} ms, so a new client gets to send its first request`, () => {
    const now = 10_000;
    expect(chooseEviction([conn('fresh', now - EVICTION_MIN_IDLE_MS + 1)], now)).toBeNull();
    expect(chooseEviction([conn('old enough', now - EVICTION_MIN_IDLE_MS)], now)?.name).toBe('old enough');
  });

  it('chooses nothing from an empty table', () => {
    expect(chooseEviction([], 0)).toBeNull();
  });
});
