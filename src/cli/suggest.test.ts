import { describe, expect, it } from 'vitest';
import { similarWords, suggestion } from './suggest.js';

const COMMANDS = ['daemon', 'allocate', 'release', 'status', 'run', 'cleanup', 'renew', 'who', 'wait', 'get', 'env', 'doctor', 'events', 'metrics', 'help'];

describe('suggestion', () => {
  it.each([
    ['alocate', '\n(Did you mean allocate?)'],
    ['relaese', '\n(Did you mean release?)'],
    ['stauts', '\n(Did you mean status?)'],
    ['deamon', '\n(Did you mean daemon?)'],
    ['nonexistent', ''],
    ['frobnicate', ''],
    ['x', ''],
  ])('for %j among the commands is %j', (word, expected) => {
    expect(suggestion(word, COMMANDS)).toBe(expected);
  });

  it('names every candidate at the best distance', () => {
    expect(similarWords('stat', ['start', 'status', 'stop'])).toEqual(['start']);
    expect(suggestion('sto', ['stop', 'start', 'status', 'restart'])).toBe('\n(Did you mean stop?)');
    expect(suggestion('wat', ['who', 'wait', 'way'])).toBe('\n(Did you mean one of wait, way?)');
  });
});
