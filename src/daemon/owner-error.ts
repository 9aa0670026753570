import { PortsError } from '../errors.js';
import type { OwnerProblem } from '../system/owner-check.js';
import type { OwnerProcess } from '../system/process-info.js';

/** The error for an owner pid that may not own an allocation (see judgeOwner). */
export function ownerError(problem: OwnerProblem, pid: number, owner: OwnerProcess | null): PortsError {
  switch (problem) {
    case 'no_such_process':
    case 'zombie':
      return new PortsError('E_NO_SUCH_PROCESS', `Owner pid ${pid} is not a running process${problem === 'zombie' ? ' (a zombie)' : ''}`, { pid });
    case 'kernel_thread':
      return new PortsError('E_INVALID_REQUEST', `Owner pid ${pid} is a kernel thread`, { pid });
    case 'thread':
      return new PortsError(
        'E_INVALID_REQUEST',
        `Owner pid ${pid} is a thread of process ${owner?.threadGroup}, not a process; give the process id (${owner?.threadGroup})`,
        { pid, process: owner?.threadGroup },
      );
  }
}
