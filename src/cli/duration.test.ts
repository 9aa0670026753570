import { describe, expect, it } from 'vitest';
import { formatAge, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['30', 30_000],
    ['1.5', 1500],
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
  ])('%s → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '10x', '-5s', '5s later', 'm'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0s'],
    [59_000, '59s'],
    [61_000, '1m1s'],
    [3_600_000, '1h'],
    [3 * 86_400_000, '3d'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
