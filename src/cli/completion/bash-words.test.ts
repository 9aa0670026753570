import { describe, expect, it } from 'vitest';
import { bashReplacement, quoteForBash, readlineWord } from './bash-words.js';

describe('readlineWord', () => {
  it.each([
    ['web', { start: 0, quote: null }],
    ['api:v', { start: 4, quote: null }],
    ['--service=w', { start: 10, quote: null }],
    ['web\\:x', { start: 0, quote: null }],
    ["'ci", { start: 1, quote: "'" }],
    ['--owner="c', { start: 9, quote: '"' }],
    ["'a:b'c", { start: 0, quote: null }],
  ] as const)('%j', (raw, word) => {
    expect(readlineWord(raw)).toEqual(word);
  });
});

describe('bashReplacement', () => {
  it.each([
    ['web', 'w', 'web'],
    ['api:v2', 'api:', 'v2'],
    ['api:v2', 'api:v', 'v2'],
    ['--service=web', '--service=', 'web'],
    ['--service=api:v2', '--service=a', 'api:v2'],
    ['ci$x', 'c', 'ci\\$x'],
    ['ci$x', 'ci\\$', 'ci\\$x'],
    ['ci$x', "'ci", 'ci$x'],
    ["it's", "'it", "it'\\''s"],
    ['ci$x', '"ci', 'ci\\$x'],
    ['~home', '', '\\~home'],
  ])('%j typed as %j → %j', (value, raw, entry) => {
    expect(bashReplacement(value, raw)).toBe(entry);
  });

  it('quotes everything the shell would read as syntax', () => {
    expect(quoteForBash('a b;c&d|e<f>g(h)i`j"k\'l*m?n[o]p{q}r!s#t\\u', null)).toBe('a\\ b\\;c\\&d\\|e\\<f\\>g\\(h\\)i\\`j\\"k\\\'l\\*m\\?n\\[o\\]p\\{q\\}r\\!s\\#t\\\\u');
  });
});
