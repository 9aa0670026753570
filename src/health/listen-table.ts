import { readFile } from 'node:fs/promises';

/**
 * The kernel's TCP LISTEN table (/proc/net/tcp and /proc/net/tcp6), read once per cycle.
 * Reading it cannot disturb a server that is starting, unlike a test bind.
 */
const LISTEN_STATE = '0A';

export interface ListenEntry {
  port: number;
  /** Socket inode, to find the owning process in /proc/<pid>/fd. */
  inode: number;
}

/** Parse one /proc/net/tcp{,6} file: the listening sockets. Pure. */
export function parseListenTable(text: string): ListenEntry[] {
  const entries: ListenEntry[] = [];
  let start = text.indexOf('\n') + 1; // skip the header
  while (start > 0 && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const fields = text.slice(start, end).trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    const local = fields[1];
    if (fields[3] === LISTEN_STATE && local) {
      const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      const inode = Number(fields[9]);
      if (Number.isInteger(port)) entries.push({ port, inode: Number.isInteger(inode) ? inode : 0 });
    }
    start = end + 1;
  }
  return entries;
}

export interface ListenTable {
  ports: Set<number>;
  entries: ListenEntry[];
}

/** Both tables, or null where /proc/net is not readable (the caller falls back to connect probes). */
export async function readListenTable(files: readonly string[] = ['/proc/net/tcp', '/proc/net/tcp6']): Promise<ListenTable | null> {
  const texts = await Promise.all(files.map((file) => readFile(file, 'utf8').catch(() => null)));
  if (texts.every((text) => text === null)) return null;
  const entries = texts.flatMap((text) => (text === null ? [] : parseListenTable(text)));
  return { ports: new Set(entries.map((entry) => entry.port)), entries };
}
