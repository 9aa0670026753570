import { isKernelThread, isZombie, processExists, readCmdline, readCwd, readProcStat } from './proc-stat.js';

/**
 * What the daemon needs to know about an owner process. The interface lets the in-memory
 * daemon and unit tests supply their own.
 */
export interface OwnerProcess {
  pid: number;
  /** Clock ticks since boot, null where /proc is not readable. */
  startTime: number | null;
  zombie: boolean;
  kernelThread: boolean;
}

export interface ProcessInspector {
  /** The live process with this pid, or null when there is none. */
  inspect(pid: number): Promise<OwnerProcess | null>;
  /** Working folder and command line, best effort. */
  describe(pid: number): Promise<{ cwd: string | null; command: string | null }>;
}

export const procInspector: ProcessInspector = {
  async inspect(pid) {
    if (!processExists(pid)) return null;
    const stat = await readProcStat(pid);
    if (!stat) return { pid, startTime: null, zombie: false, kernelThread: false };
    return { pid, startTime: stat.startTime, zombie: isZombie(stat), kernelThread: isKernelThread(stat) };
  },
  async describe(pid) {
    const [cwd, args] = await Promise.all([readCwd(pid), readCmdline(pid)]);
    const command = args && args.length > 0 ? args.join(' ').slice(0, 4096) : null;
    return { cwd, command };
  },
};
