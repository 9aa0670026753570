import { describe, expect, it } from 'vitest';
import { skipEnvironment, splitScript } from './script-words.js';

describe('splitScript', () => {
  it.each([
    ['vite', ['vite']],
    ['  vite   --open\t--force ', ['vite', '--open', '--force']],
    [`vite --config 'my config.ts'`, ['vite', '--config', 'my config.ts']],
    ['vite --base "/a \\"b\\"/"', ['vite', '--base', '/a "b"/']],
    ['vite --base=a\\ b', ['vite', '--base=a b']],
    ['NODE_ENV=dev vite --mode $MODE', ['NODE_ENV=dev', 'vite', '--mode', '$MODE']],
    ['', []],
  ])('reads %j as %j', (text, words) => {
    expect(splitScript(text)).toEqual({ ok: true, words });
  });

  it.each([
    ['vite && echo done', 'runs more than one command', ['vite']],
    ['vite || exit 1', 'runs more than one command', ['vite']],
    ['vite | tee log', 'runs more than one command', ['vite']],
    ['vite; echo', 'runs more than one command', ['vite']],
    ['vite &', 'runs more than one command', ['vite']],
    ['vite\necho', 'runs more than one command', ['vite']],
    ['vite > log', 'uses shell syntax ports does not follow (>)', ['vite']],
    ['(vite)', 'uses shell syntax ports does not follow (()', []],
    ['vite --port $(get-port)', 'uses shell syntax ports does not follow (command substitution)', ['vite', '--port']],
    ['vite --port "`get-port`"', 'uses shell syntax ports does not follow (command substitution)', ['vite', '--port']],
    ['vite # comment', 'ends in a comment', ['vite']],
    [`vite 'open`, 'has an unclosed quote', ['vite']],
    ['vite \\', 'ends in a backslash', ['vite']],
  ])('refuses %j: it %s', (text, reason, firstWords) => {
    expect(splitScript(text)).toEqual({ ok: false, reason, firstWords });
  });

  it('keeps a # inside a word', () => {
    expect(splitScript('vite --base /a#b')).toEqual({ ok: true, words: ['vite', '--base', '/a#b'] });
  });
});

describe('skipEnvironment', () => {
  it.each([
    [['vite'], ['vite']],
    [['NODE_ENV=dev', 'A_1=', 'vite', 'X=1'], ['vite', 'X=1']],
    [['cross-env', 'NODE_ENV=dev', 'vite'], ['vite']],
    [['A=1', 'env', 'B=2', 'vite'], ['vite']],
    [['1A=x', 'vite'], ['1A=x', 'vite']],
  ])('%j starts its command at %j', (words, rest) => {
    expect(skipEnvironment(words)).toEqual(rest);
  });
});
