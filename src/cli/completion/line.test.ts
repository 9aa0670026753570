import { describe, expect, it } from 'vitest';
import { completionLine, splitWords, unquoteWord } from './line.js';

describe('completionLine', () => {
  it.each([
    ['ports ', [], '', ''],
    ['ports get we', ['get'], 'we', 'we'],
    ['ports get api:v', ['get'], 'api:v', 'api:v'],
    ['ports release --service=w', ['release'], '--service=w', '--service=w'],
    ["ports release --owner 'ci x' ", ['release', '--owner', 'ci x'], '', ''],
    ["ports release --owner 'ci ", ['release', '--owner'], 'ci ', "'ci "],
    ['ports release --owner ci\\ ', ['release', '--owner'], 'ci ', 'ci\\ '],
    ['ports get "a\\"b\\x', ['get'], 'a"b\\x', '"a\\"b\\x'],
    ['PORTS_SOCKET=/x ./bin/ports get ', ['get'], '', ''],
    ['', [], '', ''],
  ])('%j → words %j, current %j (typed %j)', (line, words, value, raw) => {
    expect(completionLine(line)).toEqual({ words, current: { value, raw } });
  });
});

describe('splitWords and unquoteWord', () => {
  it('read quotes and backslashes as the shell does', () => {
    expect(splitWords(`a 'b c' "d\\$e" f\\ g ''`).map((word) => word.value)).toEqual(['a', 'b c', 'd$e', 'f g', '']);
    expect(unquoteWord("'ci-")).toBe('ci-');
    expect(unquoteWord('web')).toBe('web');
  });
});
