/**
 * What the daemon needs to know about an owner process. The interface lets the in-memory
 * daemon and unit tests supply their own.
 *
 * The /proc reads are synchronous: procfs answers from memory in a few microseconds, far less
 * than a thread-pool round trip, and allocate reads them on every request. What cannot change
 * for a given pid and start time (its thread group) is cached.
 */
import { readlinkSync } from 'node:fs';
import { readProcFile } from './proc-read.js';
import { PortsError } from '../errors.js';
import { describeResourceError, isResourceError } from './resource-errors.js';
import { isKernelThread, isZombie, parseProcStat, processExists, type ProcStat } from './proc-stat.js';

export interface OwnerProcess {
  pid: number;
  /** Clock ticks since boot, null where /proc is not readable. */
  startTime: number | null;
  zombie: boolean;
  kernelThread: boolean;
  /** The thread group (process) the id belongs to: the pid itself for a process, another for a thread id; null when unknown. */
  threadGroup: number | null;
}

export interface ProcessInspector {
  /** The live process with this pid, or null when there is none. */
  inspect(pid: number): Promise<OwnerProcess | null>;
  /** Working folder and command line, best effort; `startTime` (from inspect) lets a burst of requests from one process read them once. */
  describe(pid: number, startTime?: number | null): Promise<{ cwd: string | null; command: string | null }>;
}

function readText(path: string): string | null {
  const text = readProcFile(path);
  return typeof text === 'string' ? text : null;
}

function readThreadGroup(pid: number): number | null {
  const status = readText(`/proc/${pid}/status`);
  const match = status === null ? null : /^Tgid:\s*(\d+)/m.exec(status);
  return match ? Number(match[1]) : null;
}

function readCommand(pid: number): string | null {
  const raw = readText(`/proc/${pid}/cmdline`);
  if (raw === null) return null;
  const args = raw.split('\0');
  if (args.at(-1) === '') args.pop();
  return args.length > 0 ? args.join(' ').slice(0, 4096) : null;
}

function readCwd(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** Distinct processes remembered; past this the cache starts over. */
const CACHE_MAX = 4096;

/** How long a process's folder and command line are reused for its next allocation (a burst from one test runner reads them once). */
const DESCRIBE_TTL_MS = 1000;

export function createProcInspector(clock: { monotonic(): number } = { monotonic: () => performance.now() }): ProcessInspector {
  let groups = new Map<string, number | null>();
  let described = new Map<string, { at: number; cwd: string | null; command: string | null }>();
  const threadGroup = (pid: number, startTime: number): number | null => {
    const key = `${pid}:${startTime}`;
    let group = groups.get(key);
    if (group === undefined) {
      if (groups.size >= CACHE_MAX) groups = new Map();
      group = readThreadGroup(pid);
      // Not cached when unreadable (out of descriptors, say): the next look may succeed.
      if (group !== null) groups.set(key, group);
    }
    return group;
  };
  const stat = (pid: number): { found: ProcStat | null } | 'gone' | 'unknown' => {
    const text = readProcFile(`/proc/${pid}/stat`);
    if (typeof text === 'string') return { found: parseProcStat(text) };
    if (text.error === 'ENOENT' || text.error === 'ESRCH') return 'gone';
    // Out of descriptors or memory: we could not look. Recording the owner without its start
    // time would weaken pid-reuse detection for the allocation's whole life; refuse instead.
    if (isResourceError({ code: text.error })) {
      throw new PortsError('E_LIMIT', `Could not read /proc/${pid}/stat: ${describeResourceError(text.error)}; try again shortly`, { pid, resource: text.error });
    }
    return 'unknown';
  };
  return {
    async inspect(pid) {
      // /proc/<pid>/stat answers whether it exists; kill(pid, 0) only where /proc cannot tell.
      const read = stat(pid);
      if (read === 'gone' || (read === 'unknown' && !processExists(pid))) return null;
      const found = read === 'unknown' ? null : read.found;
      if (!found) return { pid, startTime: null, zombie: false, kernelThread: false, threadGroup: null };
      return {
        pid,
        startTime: found.startTime,
        zombie: isZombie(found),
        kernelThread: isKernelThread(found),
        threadGroup: threadGroup(pid, found.startTime),
      };
    },
    async describe(pid, startTime) {
      const key = startTime !== undefined && startTime !== null ? `${pid}:${startTime}` : null;
      const now = clock.monotonic();
      const known = key !== null ? described.get(key) : undefined;
      if (known !== undefined && now - known.at < DESCRIBE_TTL_MS) return { cwd: known.cwd, command: known.command };
      const fresh = { at: now, cwd: readCwd(pid), command: readCommand(pid) };
      if (key !== null) {
        if (described.size >= CACHE_MAX) described = new Map();
        described.set(key, fresh);
      }
      return { cwd: fresh.cwd, command: fresh.command };
    },
  };
}

/** One shared inspector for code outside the daemon (the CLI); the daemon makes its own. */
export const procInspector: ProcessInspector = createProcInspector();
