import { describe, expect, it } from 'vitest';
import type { OwnerProcess } from './process-info.js';
import { stopProcesses, type StopDeps } from './stop-processes.js';

interface FakeProcess {
  startTime: number;
  /** The signal it exits on (SIGKILL always works unless `unkillable`). */
  exitsOn: 'SIGTERM' | 'SIGKILL';
  /** Exits this many ms after the signal. */
  lingerMs?: number;
  unkillable?: boolean;
  refuses?: boolean;
}

/** A process table and a clock that only moves when the code under test pauses. */
function fakeWorld(processes: Record<number, FakeProcess>) {
  let now = 0;
  const exitAt = new Map<number, number>();
  const sent: Array<[number, string]> = [];
  const table = new Map(Object.entries(processes).map(([pid, p]) => [Number(pid), p]));
  const alive = (pid: number) => table.has(pid) && !(exitAt.has(pid) && (exitAt.get(pid) ?? 0) <= now);
  const deps: StopDeps = {
    inspector: {
      async inspect(pid): Promise<OwnerProcess | null> {
        const p = table.get(pid);
        if (!p || !alive(pid)) return null;
        return { pid, startTime: p.startTime, zombie: false, kernelThread: false, threadGroup: pid };
      },
    },
    signal(pid, signal) {
      const p = table.get(pid);
      if (!p || !alive(pid)) throw Object.assign(new Error('ESRCH'), { code: 'ESRCH' });
      if (p.refuses) throw Object.assign(new Error('EPERM'), { code: 'EPERM' });
      sent.push([pid, signal]);
      if ((signal === p.exitsOn || signal === 'SIGKILL') && !(signal === 'SIGKILL' && p.unkillable) && !exitAt.has(pid)) exitAt.set(pid, now + (p.lingerMs ?? 0));
    },
    now: () => now,
    pause: async (ms) => void (now += ms),
  };
  return { deps, sent, replace: (pid: number, p: FakeProcess) => table.set(pid, p), elapsed: () => now };
}

describe('stopProcesses', () => {
  it('sends SIGTERM once per pid and reports the exit', async () => {
    const world = fakeWorld({ 10: { startTime: 1, exitsOn: 'SIGTERM', lingerMs: 120 } });
    const outcomes = await stopProcesses([{ pid: 10 }, { pid: 10 }], { timeoutMs: 10_000, deps: world.deps });
    expect(world.sent).toEqual([[10, 'SIGTERM']]);
    expect(outcomes.get(10)).toEqual({ signal: 'SIGTERM', exited: true, error: null });
    expect(world.elapsed()).toBeLessThan(1000);
  });

  it('sends SIGKILL to what ignores SIGTERM once the timeout has passed', async () => {
    const world = fakeWorld({ 10: { startTime: 1, exitsOn: 'SIGKILL' }, 11: { startTime: 2, exitsOn: 'SIGTERM' } });
    const outcomes = await stopProcesses([{ pid: 10 }, { pid: 11 }], { timeoutMs: 2000, deps: world.deps });
    expect(world.sent).toEqual([
      [10, 'SIGTERM'],
      [11, 'SIGTERM'],
      [10, 'SIGKILL'],
    ]);
    expect(outcomes.get(10)).toEqual({ signal: 'SIGKILL', exited: true, error: null });
    expect(outcomes.get(11)).toEqual({ signal: 'SIGTERM', exited: true, error: null });
    expect(world.elapsed()).toBeGreaterThanOrEqual(2000);
  });

  it('signals nothing that is already gone, and never a pid reused by another process', async () => {
    const world = fakeWorld({ 10: { startTime: 1, exitsOn: 'SIGKILL' } });
    // Chosen when pid 10 was another process (start time 99); now it names this one.
    const outcomes = await stopProcesses([{ pid: 10, startTime: 99 }, { pid: 12 }], { timeoutMs: 500, deps: world.deps });
    expect(world.sent).toEqual([]);
    expect(outcomes.get(10)).toEqual({ signal: null, exited: true, error: null });
    expect(outcomes.get(12)).toEqual({ signal: null, exited: true, error: null });
  });

  it('does not SIGKILL a process whose pid was reused during the wait', async () => {
    const world = fakeWorld({ 10: { startTime: 1, exitsOn: 'SIGKILL' } });
    const deps: StopDeps = {
      ...world.deps,
      pause: async (ms) => {
        await world.deps.pause(ms);
        // The old process ends and an unrelated one gets its pid.
        world.replace(10, { startTime: 2, exitsOn: 'SIGTERM' });
      },
    };
    const outcomes = await stopProcesses([{ pid: 10 }], { timeoutMs: 1000, deps });
    expect(world.sent).toEqual([[10, 'SIGTERM']]);
    expect(outcomes.get(10)?.exited).toBe(true);
  });

  it('stops waiting when aborted, and sends no SIGKILL after that', async () => {
    const world = fakeWorld({ 10: { startTime: 1, exitsOn: 'SIGKILL' } });
    const abort = new AbortController();
    const deps: StopDeps = {
      ...world.deps,
      pause: async (ms) => {
        await world.deps.pause(ms);
        if (world.elapsed() >= 300) abort.abort();
      },
    };
    const outcomes = await stopProcesses([{ pid: 10 }], { timeoutMs: 10_000, signal: abort.signal, deps });
    expect(world.sent).toEqual([[10, 'SIGTERM']]);
    expect(outcomes.get(10)).toEqual({ signal: 'SIGTERM', exited: false, error: 'still running when the wait was stopped' });
    expect(world.elapsed()).toBeLessThan(1000);
  });

  it('reports a refused signal and a process that survives SIGKILL', async () => {
    const world = fakeWorld({ 10: { startTime: 1, exitsOn: 'SIGTERM', refuses: true }, 11: { startTime: 2, exitsOn: 'SIGKILL', unkillable: true } });
    const outcomes = await stopProcesses([{ pid: 10 }, { pid: 11 }], { timeoutMs: 100, killWaitMs: 300, deps: world.deps });
    expect(outcomes.get(10)).toEqual({ signal: null, exited: false, error: 'could not send SIGTERM (EPERM)' });
    expect(outcomes.get(11)).toEqual({ signal: 'SIGKILL', exited: false, error: 'still running after SIGKILL' });
  });
});
