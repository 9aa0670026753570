/**
 * Whether a process still runs: the one liveness check, synchronous (procfs answers from memory,
 * and the HealthMonitor reads thousands of owners a cycle), used by the monitor, by `ports daemon
 * stop` waiting for the daemon to go, and by the single-instance lock. (The owner check reads
 * more about a process: see ProcessInspector.)
 */
import { readFileSync } from 'node:fs';
import { isZombie, parseProcStat, processExists } from './proc-stat.js';
import { errorCode } from './resource-errors.js';

/**
 * `reused`: a live process whose start time is not the one expected, so the pid now names another
 * process. `unknown`: the check could not be made (out of descriptors, say), which says nothing
 * about the process.
 */
export type ProcessState = 'alive' | 'dead' | 'zombie' | 'reused' | 'unknown';

/** The process's /proc entry is gone (or there is no /proc): nothing more to read about it. */
const GONE = new Set(['ENOENT', 'ESRCH', 'ENOTDIR']);

/**
 * kill(pid, 0), then /proc/<pid>/stat for zombie state and start time (compared when
 * `expectedStartTime` is given). `onUnknown` hears the errno when the process could not be observed.
 */
export function observeProcess(pid: number, expectedStartTime: number | null, onUnknown?: (code: string) => void): ProcessState {
  if (!processExists(pid)) return 'dead';
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = errorCode(error) ?? 'ERROR';
    // Alive per kill(0) but no /proc entry: not Linux, or it died in between.
    if (GONE.has(code)) return processExists(pid) ? 'alive' : 'dead';
    // EMFILE, ENFILE, ENOMEM, EIO …: we could not look, which says nothing about the owner.
    onUnknown?.(code);
    return 'unknown';
  }
  const stat = parseProcStat(text);
  if (!stat) {
    onUnknown?.('EBADSTAT');
    return 'unknown';
  }
  if (isZombie(stat)) return 'zombie';
  if (expectedStartTime !== null && stat.startTime !== expectedStartTime) return 'reused';
  return 'alive';
}

/** Whether the process `pid` (started at `startTime`, when known) has ended: gone, a zombie, or its pid reused. Unknown is not ended. */
export function processEnded(pid: number, startTime: number | null): boolean {
  const state = observeProcess(pid, startTime);
  return state === 'dead' || state === 'zombie' || state === 'reused';
}
