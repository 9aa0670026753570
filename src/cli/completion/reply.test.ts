import { describe, expect, it } from 'vitest';
import type { CompletionPlan } from './complete.js';
import { formatReply, type ReplyInput } from './reply.js';

const values = (more: Partial<Extract<CompletionPlan, { type: 'values' }>> = {}): CompletionPlan => ({
  type: 'values',
  candidates: [
    { value: 'web', description: 'port 3000' },
    { value: 'worker', description: 'a\ndescription\tthat goes on and on, far longer than anyone would like to read in a menu' },
  ],
  kinds: [],
  prefix: 'w',
  insert: '',
  exclude: [],
  ...more,
});
const reply = (input: Partial<ReplyInput>) => formatReply({ shell: 'bash', plan: values(), fetched: [], raw: 'w', wordCount: 1, ...input });

describe('formatReply', () => {
  it('bash: the values that start with the prefix, as COMPREPLY takes them', () => {
    expect(reply({ fetched: [{ value: 'api', description: '' }, { value: 'web', description: 'again' }] })).toBe('values\nweb\nworker');
    expect(reply({ plan: values({ candidates: [{ value: "w'x y", description: '' }] }) })).toBe("values\nw\\'x\\ y");
  });

  it('zsh and fish: a value and its description (one line, escaped, cut short) on each line', () => {
    const lines = reply({ shell: 'zsh' }).split('\n');
    expect(lines[0]).toBe('values');
    expect(lines[1]).toBe('web\tport 3000');
    expect(lines[2]).toMatch(/^worker\ta$/);
    expect(reply({ shell: 'fish', plan: values({ candidates: [{ value: 'x', description: 'tab\there '.repeat(10) }], prefix: '' }) }).split('\n')[1]).toMatch(
      /^x\ttab\\there tab\\there .{30,}…$/,
    );
  });

  it('puts back the --flag= the word was typed with, and leaves out what is excluded', () => {
    expect(reply({ plan: values({ insert: '--service=', exclude: ['web'] }), raw: '--service=w' })).toBe('values\nworker');
    expect(reply({ shell: 'zsh', plan: values({ insert: '--service=', exclude: ['web'] }) }).split('\n')[1]).toMatch(/^--service=worker\t/);
  });

  it('never offers a value with a control character in it', () => {
    const evil = ['a\nb', 'esc\u001b[2J', 'c1\u009b', 'bidi\u202e', 'w'];
    expect(reply({ plan: values({ candidates: evil.map((value) => ({ value, description: '' })), prefix: '' }), raw: '' })).toBe('values\nw');
  });

  it('tells the shell to complete paths, or a command line', () => {
    const files: CompletionPlan = { type: 'files', insert: '--config=' };
    expect(reply({ plan: files, raw: '--config=./' })).toBe('files');
    expect(reply({ shell: 'zsh', plan: files })).toBe('files\t--config=');
    expect(reply({ plan: { type: 'command', offset: 2 }, wordCount: 2, raw: 'np' })).toBe('command-name');
    expect(reply({ plan: { type: 'command', offset: 2 }, wordCount: 3, raw: 'x' })).toBe('command-args');
    expect(reply({ shell: 'fish', plan: { type: 'command', offset: 2 } })).toBe('command\t2');
    expect(reply({ plan: { type: 'none' } })).toBe('none');
  });
});
