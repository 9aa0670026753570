/**
 * Reading a process from /proc. Thin I/O; parsing is pure and exported for tests.
 */
import { readFile, readlink } from 'node:fs/promises';

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z, T, t, X, I … (see proc(5)). */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** The foreground process group of the process's controlling terminal (-1 without one). */
  tpgid: number;
  flags: number;
  /** Clock ticks since boot (field 22). */
  startTime: number;
}

const PF_KTHREAD = 0x00200000;

/** Parse /proc/<pid>/stat. The comm field may hold spaces and parentheses: split after the last ')'. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  const fields = text.slice(close + 2).trim().split(' ');
  // fields[0] is field 3 (state); field N is fields[N - 3].
  const state = fields[0];
  const ppid = Number(fields[1]);
  const pgrp = Number(fields[2]);
  const session = Number(fields[3]);
  const tpgid = Number(fields[5]);
  const flags = Number(fields[6]);
  const startTime = Number(fields[19]);
  if (!state || !Number.isFinite(pid) || !Number.isFinite(ppid) || !Number.isFinite(startTime)) return null;
  return { pid, comm, state, ppid, pgrp, session, tpgid, flags, startTime };
}

export function isKernelThread(stat: ProcStat): boolean {
  return (stat.flags & PF_KTHREAD) !== 0;
}

export function isZombie(stat: ProcStat): boolean {
  return stat.state === 'Z' || stat.state === 'X' || stat.state === 'x';
}

/** /proc/<pid>/stat, or null when the process does not exist (or /proc is absent). */
export async function readProcStat(pid: number): Promise<ProcStat | null> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** The process's command line (arguments joined by spaces), or null when unreadable. */
export async function readCmdline(pid: number): Promise<string[] | null> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const args = raw.split('\0');
    if (args.at(-1) === '') args.pop();
    return args;
  } catch {
    return null;
  }
}

export async function readCwd(pid: number): Promise<string | null> {
  try {
    return await readlink(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** `kill(pid, 0)`: ESRCH means gone, EPERM means alive but not ours. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's real uid (first field of `Uid:` in /proc/<pid>/status), or null when unreadable. */
export async function readUid(pid: number): Promise<number | null> {
  try {
    const match = /^Uid:\s*(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
