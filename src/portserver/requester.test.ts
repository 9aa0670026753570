import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { workerThreadId } from '../../test/helpers/threads.js';
import { isKernelThread, readProcStat } from '../system/proc-stat.js';
import { procInspector, type OwnerProcess, type ProcessInspector } from '../system/process-info.js';
import { PID_MAX } from '../protocol/pid-max.js';
import { checkRequester } from './requester.js';

function fakeProcesses(owners: Record<number, Partial<OwnerProcess>>): ProcessInspector {
  return {
    inspect: async (pid) => (owners[pid] ? { pid, startTime: 1, zombie: false, kernelThread: false, threadGroup: pid, ...owners[pid] } : null),
    describe: async () => ({ cwd: null, command: null }),
  };
}

const fake = (owners: Record<number, Partial<OwnerProcess>>) => ({ processes: fakeProcesses(owners) });

describe('checkRequester', () => {
  it.each([
    ['pid 0', 0n, 'invalid_pid'],
    ['a negative pid', -5n, 'invalid_pid'],
    ['init', 1n, 'init'],
    ['a pid beyond PID_MAX', BigInt(PID_MAX) + 1n, 'invalid_pid'],
    ['a pid beyond 2^63', 9999999999999999999n, 'invalid_pid'],
    ['a pid with no process', 4242n, 'no_such_process'],
  ])('refuses %s', async (_what, value, reason) => {
    expect(await checkRequester(value, fake({}))).toMatchObject({ ok: false, reason });
  });

  it('refuses zombies, kernel threads and thread ids', async () => {
    const deps = fake({ 10: { zombie: true }, 11: { kernelThread: true }, 12: { threadGroup: 9 } });
    expect(await checkRequester(10n, deps)).toMatchObject({ ok: false, reason: 'zombie' });
    expect(await checkRequester(11n, deps)).toMatchObject({ ok: false, reason: 'kernel_thread' });
    expect(await checkRequester(12n, deps)).toMatchObject({ ok: false, reason: 'thread', message: 'Not allocating a port to thread 12 of process 9' });
  });

  it('accepts a live thread group leader, and one whose thread group cannot be read', async () => {
    expect(await checkRequester(4242n, fake({ 4242: {} }))).toMatchObject({ ok: true, pid: 4242 });
    expect(await checkRequester(4242n, fake({ 4242: { threadGroup: null } }))).toMatchObject({ ok: true, pid: 4242 });
  });

  describe('against the real /proc', () => {
    const real = { processes: procInspector };

    it('accepts this process', async () => {
      expect(await checkRequester(BigInt(process.pid), real)).toMatchObject({ ok: true, pid: process.pid });
    });

    it('refuses the id of one of our own threads', async () => {
      const tid = await workerThreadId();
      expect(await checkRequester(BigInt(tid), real)).toMatchObject({ ok: false, reason: 'thread' });
    });

    it('refuses a kernel thread', async (ctx) => {
      // kthreadd is pid 2 outside a pid namespace; inside a container there may be none to see.
      let kernelThread: number | undefined;
      for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
        const stat = await readProcStat(Number(name));
        if (stat && isKernelThread(stat)) {
          kernelThread = stat.pid;
          break;
        }
      }
      if (kernelThread === undefined) return ctx.skip('no kernel thread is visible in this pid namespace');
      expect(await checkRequester(BigInt(kernelThread), real)).toMatchObject({ ok: false, reason: 'kernel_thread' });
    });
  });
});
