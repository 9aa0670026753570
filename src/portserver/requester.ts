/**
 * Whether the pid a portserver request names may own a port: the reference server's refusals
 * (pid ≤ 1, no such process, a thread id) plus the ones it lacks (pids no kernel hands out,
 * zombies, kernel threads). An allocation lives exactly as long as its owner, so an owner that
 * is already gone, or never ends, must not get one.
 */
import { PID_MAX } from '../protocol/pid-max.js';
import { checkOwner } from '../system/owner-check.js';
import type { OwnerProcess, ProcessInspector } from '../system/process-info.js';

export type RefusalReason = 'invalid_pid' | 'init' | 'no_such_process' | 'zombie' | 'kernel_thread' | 'thread';

export type RequesterCheck = { ok: true; pid: number; owner: OwnerProcess } | { ok: false; reason: RefusalReason; message: string };

export interface RequesterDeps {
  processes: ProcessInspector;
}

export async function checkRequester(value: bigint, deps: RequesterDeps): Promise<RequesterCheck> {
  if (value === 1n) return { ok: false, reason: 'init', message: 'Not allocating a port to init (pid 1)' };
  if (value <= 0n || value > BigInt(PID_MAX)) {
    return { ok: false, reason: 'invalid_pid', message: `Not allocating a port to invalid pid ${value}` };
  }
  const pid = Number(value);
  const check = await checkOwner(deps.processes, pid);
  if (check.ok) return { ok: true, pid, owner: check.owner };
  switch (check.problem) {
    // `reused` needs an expected start time, which a portserver request has none of.
    case 'no_such_process':
    case 'reused':
      return { ok: false, reason: 'no_such_process', message: `Not allocating a port to a non-existent process (pid ${pid})` };
    case 'zombie':
      return { ok: false, reason: 'zombie', message: `Not allocating a port to a zombie (pid ${pid})` };
    case 'kernel_thread':
      return { ok: false, reason: 'kernel_thread', message: `Not allocating a port to a kernel thread (pid ${pid})` };
    case 'thread':
      return { ok: false, reason: 'thread', message: `Not allocating a port to thread ${pid} of process ${check.owner.threadGroup}` };
  }
}
