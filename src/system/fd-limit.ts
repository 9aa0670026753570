/**
 * This process's descriptor limit (RLIMIT_NOFILE). Node raises the soft limit to the hard limit
 * when it starts, so the soft limit read here is already as high as it can go; a limit that
 * stays below the hard one is reported as such. Null where /proc/self/limits is not readable.
 */
import { readFileSync } from 'node:fs';

export interface FdLimit {
  soft: number;
  hard: number;
}

/** Parse /proc/<pid>/limits' "Max open files" line. Pure. */
export function parseFdLimit(text: string): FdLimit | null {
  const line = text.split('\n').find((entry) => entry.startsWith('Max open files'));
  if (!line) return null;
  const [soft, hard] = line.slice('Max open files'.length).trim().split(/\s+/);
  const toNumber = (value: string | undefined): number => (value === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(value));
  const limit = { soft: toNumber(soft), hard: toNumber(hard) };
  return Number.isInteger(limit.soft) && Number.isInteger(limit.hard) && limit.soft > 0 ? limit : null;
}

export function readFdLimit(file = '/proc/self/limits'): FdLimit | null {
  try {
    return parseFdLimit(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

