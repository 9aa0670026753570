/**
 * What kind of socket a descriptor holds, from the kernel's table of Unix sockets
 * (/proc/net/unix) — Node cannot ask getsockopt(). Used to check the socket a service manager
 * passed before serving it.
 */
import { fstatSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface UnixSocketEntry {
  inode: number;
  /** SOCK_STREAM (type 0001), as opposed to datagram or seqpacket. */
  stream: boolean;
  /** listen() was called on it (flag __SO_ACCEPTCON, 0x10000). */
  listening: boolean;
  /** The path it was bound to, `@…` for an abstract name, null when unbound. */
  path: string | null;
}

const SO_ACCEPTCON = 0x10000;
const SOCK_STREAM = 1;

/**
 * The entry of `inode` in /proc/net/unix text, or null when absent. Pure. Lines read
 * `Num RefCount Protocol Flags Type St Inode [Path]`, numbers in hex except the inode; the path
 * is the rest of the line.
 */
export function findUnixSocket(text: string, inode: number): UnixSocketEntry | null {
  for (const line of text.split('\n').slice(1)) {
    const match = /^\s*[0-9a-fA-F]+:\s+[0-9a-fA-F]+\s+[0-9a-fA-F]+\s+([0-9a-fA-F]+)\s+([0-9a-fA-F]+)\s+[0-9a-fA-F]+\s+(\d+)(?: (.*))?$/.exec(line);
    if (!match || Number(match[3]) !== inode) continue;
    return {
      inode,
      stream: parseInt(match[2] ?? '0', 16) === SOCK_STREAM,
      listening: (parseInt(match[1] ?? '0', 16) & SO_ACCEPTCON) !== 0,
      path: match[4] !== undefined && match[4] !== '' ? match[4] : null,
    };
  }
  return null;
}

export type FdSocket =
  | { ok: false; reason: string }
  /** `entry` is null where /proc cannot say (no procfs): only "a socket" is known. */
  | { ok: true; entry: UnixSocketEntry | null };

/** Whether `fd` is open and a socket, and what the kernel's table says about it. */
export async function inspectSocketFd(fd: number): Promise<FdSocket> {
  try {
    if (!fstatSync(fd).isSocket()) return { ok: false, reason: `fd ${fd} is not a socket` };
  } catch (error) {
    return { ok: false, reason: `fd ${fd} is not open (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  let inode: number;
  let table: string;
  try {
    const link = readlinkSync(`/proc/self/fd/${fd}`);
    inode = Number(/^socket:\[(\d+)\]$/.exec(link)?.[1] ?? NaN);
    table = await readFile('/proc/net/unix', 'utf8');
  } catch {
    return { ok: true, entry: null };
  }
  const entry = findUnixSocket(table, inode);
  return entry ? { ok: true, entry } : { ok: false, reason: `fd ${fd} is not a Unix socket (TCP or another family)` };
}
