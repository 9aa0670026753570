import { describe, expect, it } from 'vitest';
import type { Listener } from '../system/listeners.js';
import { decideKill, groupListeners, isPortkeeperDaemon, planKill, type KillCandidate, type KillPolicy } from './kill-plan.js';

const candidate = (over: Partial<KillCandidate> = {}): KillCandidate => ({
  pid: 4242,
  command: 'node server.js',
  argv: ['node', 'server.js'],
  uid: 1000,
  startTime: 77,
  ports: [3000],
  ...over,
});

const policy = (over: Partial<KillPolicy> = {}): KillPolicy => ({ callerUid: 1000, force: false, protectedPids: new Map(), ...over });

const listener = (port: number, pid: number | null, inode: number, protocol: 'tcp' | 'udp' = 'tcp'): Listener => ({ port, pid, inode, protocol, command: pid === null ? null : `cmd ${pid}` });

describe('decideKill', () => {
  it('stops a process of the caller’s own user', () => {
    expect(decideKill(candidate(), policy())).toEqual({ action: 'stop' });
  });

  it('leaves another user’s process running unless --force', () => {
    expect(decideKill(candidate({ uid: 1001 }), policy())).toEqual({ action: 'skip', code: 'other_user', reason: 'process of another user (uid 1001; use --force)' });
    expect(decideKill(candidate({ uid: 1001 }), policy({ force: true }))).toEqual({ action: 'stop' });
  });

  it('as root, treats root’s processes as its own and other users’ as not', () => {
    expect(decideKill(candidate({ uid: 0 }), policy({ callerUid: 0 }))).toEqual({ action: 'stop' });
    expect(decideKill(candidate({ uid: 1000 }), policy({ callerUid: 0 }))).toMatchObject({ action: 'skip', code: 'other_user' });
    expect(decideKill(candidate({ uid: 1000 }), policy({ callerUid: 0, force: true }))).toEqual({ action: 'stop' });
  });

  it('never stops a socket whose process it cannot see, even with --force', () => {
    expect(decideKill(candidate({ pid: null, uid: null }), policy({ force: true }))).toMatchObject({ action: 'skip', code: 'not_inspectable' });
  });

  it('treats an unreadable user as not yours unless --force', () => {
    expect(decideKill(candidate({ uid: null }), policy())).toMatchObject({ action: 'skip', code: 'unknown_owner' });
    expect(decideKill(candidate({ uid: null }), policy({ force: true }))).toEqual({ action: 'stop' });
  });

  it('never stops a protected process, pid 1 or a portkeeper daemon, even with --force', () => {
    const protectedPids = new Map([[4242, 'this ports process']]);
    expect(decideKill(candidate(), policy({ protectedPids, force: true }))).toEqual({ action: 'skip', code: 'protected', reason: 'this ports process' });
    expect(decideKill(candidate({ pid: 1 }), policy({ force: true }))).toMatchObject({ action: 'skip', code: 'protected' });
    const daemon = candidate({ argv: ['/usr/bin/node', '/opt/portkeeper/bin/ports', 'daemon', '--foreground', '--detached'] });
    expect(decideKill(daemon, policy({ force: true }))).toMatchObject({ action: 'skip', code: 'daemon' });
  });
});

describe('isPortkeeperDaemon', () => {
  it.each([
    [['node', '/x/bin/ports', 'daemon', '--foreground'], true],
    [['/usr/local/bin/ports', 'daemon'], true],
    [['node', '/x/node_modules/.bin/ports', 'daemon', 'start'], true],
    [['node', '/x/bin/ports', 'daemon', 'stop'], false],
    [['node', '/x/bin/ports', 'run', '--', 'node', 'daemon'], false],
    [['node', 'server.js', 'ports', 'daemon'], false],
    [['node', '/x/bin/reports', 'daemon'], false],
  ])('%j → %s', (argv, expected) => {
    expect(isPortkeeperDaemon(argv)).toBe(expected);
  });
});

describe('groupListeners', () => {
  it('makes one candidate per process across ports, families and protocols', () => {
    const byPort = new Map([
      [3000, [listener(3000, 10, 1), listener(3000, 11, 2, 'udp')]],
      [3001, [listener(3001, 10, 3)]],
      [3002, []],
    ]);
    const groups = groupListeners(byPort, (pid) => ({ argv: [`cmd`, String(pid)], uid: 1000, startTime: pid * 2 }));
    expect(groups).toEqual([
      { pid: 10, command: 'cmd 10', argv: ['cmd', '10'], uid: 1000, startTime: 20, ports: [3000, 3001] },
      { pid: 11, command: 'cmd 11', argv: ['cmd', '11'], uid: 1000, startTime: 22, ports: [3000] },
    ]);
  });

  it('keeps sockets of invisible processes apart, one per socket', () => {
    const byPort = new Map([[3000, [listener(3000, null, 5), listener(3000, null, 6)]]]);
    const groups = groupListeners(byPort, () => ({ argv: null, uid: null, startTime: null }));
    expect(groups.map((group) => group.pid)).toEqual([null, null]);
  });
});

describe('planKill', () => {
  it('decides for each candidate', () => {
    const planned = planKill([candidate(), candidate({ pid: 5, uid: 7 })], policy());
    expect(planned.map((p) => p.decision.action)).toEqual(['stop', 'skip']);
  });
});
