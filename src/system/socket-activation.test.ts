import { describe, expect, it } from 'vitest';
import { clearListenFds, parseListenFds, takeListenFds } from './socket-activation.js';

describe('parseListenFds', () => {
  const pid = 4242;

  it('is none without LISTEN_PID', () => {
    expect(parseListenFds({}, pid)).toEqual({ kind: 'none' });
    expect(parseListenFds({ LISTEN_PID: '', LISTEN_FDS: '1' }, pid)).toEqual({ kind: 'none' });
  });

  it('takes fd 3 when LISTEN_PID is this process', () => {
    expect(parseListenFds({ LISTEN_PID: '4242', LISTEN_FDS: '1' }, pid)).toEqual({ kind: 'inherited', fd: 3, extra: 0, names: [] });
  });

  it('counts the descriptors beyond the first as extras, with their names', () => {
    expect(parseListenFds({ LISTEN_PID: '4242', LISTEN_FDS: '3', LISTEN_FDNAMES: 'portkeeper.socket:a:b' }, pid)).toEqual({
      kind: 'inherited',
      fd: 3,
      extra: 2,
      names: ['portkeeper.socket', 'a', 'b'],
    });
  });

  it.each([
    ['another process', { LISTEN_PID: '1', LISTEN_FDS: '1' }, /names another process/],
    ['not a number', { LISTEN_PID: 'abc', LISTEN_FDS: '1' }, /not a process id/],
    ['zero', { LISTEN_PID: '0', LISTEN_FDS: '1' }, /not a process id/],
    ['no descriptor passed', { LISTEN_PID: '4242', LISTEN_FDS: '0' }, /LISTEN_FDS=0/],
  ])('ignores LISTEN_PID naming %s', (_what, env, reason) => {
    const result = parseListenFds(env, pid);
    expect(result.kind).toBe('ignored');
    expect(result.kind === 'ignored' && result.reason).toMatch(reason);
  });

  it.each([undefined, '', 'two', '-1', '1.5'])('refuses LISTEN_FDS=%s when LISTEN_PID is this process', (fds) => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '4242' };
    if (fds !== undefined) env['LISTEN_FDS'] = fds;
    expect(parseListenFds(env, pid).kind).toBe('invalid');
  });
});

describe('takeListenFds', () => {
  it('reads the first environment, then removes the variables from every one (as sd_listen_fds(1))', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '7', LISTEN_FDS: '1', LISTEN_FDNAMES: 'x', PATH: '/bin' };
    const other: NodeJS.ProcessEnv = { LISTEN_PID: '7', HOME: '/h' };
    expect(takeListenFds(7, env, other).kind).toBe('inherited');
    expect(env).toEqual({ PATH: '/bin' });
    expect(other).toEqual({ HOME: '/h' });
  });

  it('removes them also when they were not for this process', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '1', LISTEN_FDS: '1' };
    expect(takeListenFds(7, env).kind).toBe('ignored');
    expect(env).toEqual({});
  });

  it('clearListenFds leaves other variables alone', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_FDS: '1', LISTENER: 'keep' };
    clearListenFds(env);
    expect(env).toEqual({ LISTENER: 'keep' });
  });
});
