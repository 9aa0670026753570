import { describe, expect, it } from 'vitest';
import { forwardTarget, isTerminalForeground } from './signals.js';

describe('forwardTarget: each signal reaches the command exactly once', () => {
  it.each([
    ['SIGINT', false, 'group'],
    ['SIGTERM', false, 'group'],
    ['SIGHUP', false, 'group'],
  ] as const)('off a terminal (own group), %s goes to the command\'s whole group', (signal, foreground, target) => {
    expect(forwardTarget(signal, { ownGroup: true, terminalForeground: foreground })).toBe(target);
  });

  it.each([
    ['SIGINT', true, null],
    ['SIGINT', false, 'command'],
    ['SIGTERM', true, 'command'],
    ['SIGTERM', false, 'command'],
    ['SIGHUP', true, null],
    ['SIGHUP', false, null],
  ] as const)('on a terminal, %s (wrapper in the foreground: %s) → %s', (signal, foreground, target) => {
    expect(forwardTarget(signal, { ownGroup: false, terminalForeground: foreground })).toBe(target);
  });

  it('reads the foreground group of this process without throwing', () => {
    expect(typeof isTerminalForeground()).toBe('boolean');
  });
});
