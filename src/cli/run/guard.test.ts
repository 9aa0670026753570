import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '../../../test/helpers/daemon.js';
import { isZombie, readProcStat } from '../../system/proc-stat.js';
import { GUARD_SCRIPT, startGuard } from './guard.js';

/** A `sleep` leading a process group of its own, as the command of `ports run` off a terminal; killed when the test ends. */
function groupLeader(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  onTestFinished(() => {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // Gone already.
    }
  });
  return child as ChildProcess & { pid: number };
}

const gone = async (pid: number) => {
  const stat = await readProcStat(pid);
  return stat === null || isZombie(stat);
};

/** The guard script run by hand, so a test can close its pipe the way a dying wrapper does. */
function rawGuard(pgid: string): ChildProcess {
  const guard = spawn('/bin/sh', ['-c', GUARD_SCRIPT, 'ports-run-guard', pgid], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  onTestFinished(() => void guard.kill('SIGKILL'));
  return guard;
}

describe('the guard of ports run', () => {
  it('stops the command’s process group when its pipe closes without "done"', async () => {
    const leader = groupLeader();
    const guard = rawGuard(String(leader.pid));
    const exited = new Promise((resolve) => guard.once('exit', resolve));
    guard.stdin?.end();
    await waitFor(() => gone(leader.pid), 'the group to be stopped', 10_000);
    expect(await exited).toBe(0);
  });

  it('leaves the group alone and exits after "done"', async () => {
    const leader = groupLeader();
    const guard = rawGuard(String(leader.pid));
    const exited = new Promise((resolve) => guard.once('exit', resolve));
    guard.stdin?.end('done\n');
    expect(await exited).toBe(0);
    expect(await gone(leader.pid)).toBe(false);
  });

  it('refuses a process group that is not a number', async () => {
    const guard = rawGuard('1; echo');
    expect(await new Promise((resolve) => guard.once('exit', resolve))).toBe(2);
  });

  it('startGuard gives a guard that disarm() ends, and disarm() twice is fine', async () => {
    const leader = groupLeader();
    const guard = startGuard(leader.pid);
    expect(guard).not.toBeNull();
    await guard?.disarm();
    await guard?.disarm();
    expect(await gone(leader.pid)).toBe(false);
  });

  it('without a shell to run there is no protection, and nothing else breaks', async () => {
    const leader = groupLeader();
    const guard = startGuard(leader.pid, '/nonexistent/sh');
    await guard?.disarm();
    expect(await gone(leader.pid)).toBe(false);
  });
});
