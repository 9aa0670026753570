/**
 * The one rule for owner pids, on every path (allocate, transfer, the portserver): an allocation
 * lives exactly as long as its owner, so the owner must be a live process that is not a zombie,
 * not a kernel thread, and a thread group leader (`kill(tid, 0)` succeeds for a thread id too,
 * and the thread can end while its process lives on). Unknown (no /proc) is let through. Each
 * caller words the refusal its own way (the daemon's PortsError, the portserver's log line).
 */
import type { OwnerProcess, ProcessInspector } from './process-info.js';

/** Why a process may not own an allocation (it would be released, or never be). */
export type OwnerProblem = 'no_such_process' | 'zombie' | 'kernel_thread' | 'thread';

/** An owner problem, or `reused`: the pid names a process that started at another time than the one expected. */
export type OwnerRefusal = OwnerProblem | 'reused';

/** A refusal carries what was found, when something was: a thread's process, a reused pid's start time. */
export type OwnerCheck =
  | { ok: true; owner: OwnerProcess }
  | { ok: false; problem: 'no_such_process'; owner: null }
  | { ok: false; problem: Exclude<OwnerRefusal, 'no_such_process'>; owner: OwnerProcess };

export interface OwnerCheckOptions {
  /** The start time (clock ticks since boot) the caller knows the owner by: another one means the pid was reused. */
  expectedStartTime?: number | undefined;
  /** The owner as the caller just inspected it (the portserver), used instead of reading it again when it is this pid. */
  inspected?: OwnerProcess | undefined;
}

/**
 * Whether the process found for an owner pid (null: none) may own an allocation, given the start
 * time expected of it; a start time /proc cannot give passes. Pure.
 */
export function judgeOwner(owner: OwnerProcess | null, expectedStartTime?: number): OwnerCheck {
  if (owner === null) return { ok: false, problem: 'no_such_process', owner };
  if (owner.zombie) return { ok: false, problem: 'zombie', owner };
  if (owner.kernelThread) return { ok: false, problem: 'kernel_thread', owner };
  if (owner.threadGroup !== null && owner.threadGroup !== owner.pid) return { ok: false, problem: 'thread', owner };
  if (expectedStartTime !== undefined && owner.startTime !== null && owner.startTime !== expectedStartTime) return { ok: false, problem: 'reused', owner };
  return { ok: true, owner };
}

/** Inspect `pid` (unless the caller already did) and judge it as an owner. */
export async function checkOwner(processes: Pick<ProcessInspector, 'inspect'>, pid: number, options: OwnerCheckOptions = {}): Promise<OwnerCheck> {
  const owner = options.inspected?.pid === pid ? options.inspected : await processes.inspect(pid);
  return judgeOwner(owner, options.expectedStartTime);
}
