/**
 * Who listens on a port, from /proc alone (no lsof): the socket tables give the inodes of TCP
 * listeners and bound UDP sockets on the exact port (IPv4 and IPv6, never a substring match),
 * /proc/<pid>/fd links name their processes. Processes of other users cannot be inspected; their listeners show pid null.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { readCmdline, readProcStat } from './proc-stat.js';
import { readSocketTable, type SocketProtocol } from './socket-table.js';

export interface Listener {
  port: number;
  inode: number;
  protocol: SocketProtocol;
  pid: number | null;
  command: string | null;
}

/**
 * socket inode → pids, for the inodes asked about: the first process found per inode, or with
 * `all` every process that holds it (a pre-forking server's workers share its listening socket).
 */
function findSocketOwners(inodes: ReadonlySet<number>, all: boolean): Map<number, number[]> {
  const owners = new Map<number, number[]>();
  if (inodes.size === 0) return owners;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return owners;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!target.startsWith('socket:[')) continue;
      const inode = Number(target.slice(8, -1));
      if (!inodes.has(inode)) continue;
      const holders = owners.get(inode);
      if (!holders) owners.set(inode, [Number(pid)]);
      else if (all && !holders.includes(Number(pid))) holders.push(Number(pid));
    }
    if (!all && owners.size === inodes.size) break;
  }
  return owners;
}

/**
 * The listeners on each of `ports` (a port nobody listens on maps to []). With `allHolders`, every
 * process holding a listening socket is listed (what `ports kill` must stop); otherwise the first
 * one found per socket.
 */
export async function listenersOn(ports: readonly number[], options: { allHolders?: boolean } = {}): Promise<Map<number, Listener[]>> {
  const wanted = new Set(ports);
  const result = new Map<number, Listener[]>(ports.map((port) => [port, []]));
  const table = readSocketTable();
  if (!table) return result;
  const entries = table.entries.filter((entry) => wanted.has(entry.port));
  const owners = findSocketOwners(new Set(entries.map((entry) => entry.inode)), options.allHolders === true);
  const seen = new Set<string>();
  for (const entry of entries) {
    const pids: Array<number | null> = owners.get(entry.inode) ?? [null];
    for (const pid of pids) {
      // One process listening on IPv4 and IPv6 (or TCP and UDP) is one listener.
      const key = `${entry.port}:${pid ?? `inode${entry.inode}`}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const args = pid !== null ? await readCmdline(pid) : null;
      result.get(entry.port)?.push({ port: entry.port, inode: entry.inode, protocol: entry.protocol, pid, command: args ? args.join(' ') : null });
    }
  }
  return result;
}

/**
 * Does `pid` belong to `owner`: the owner itself, a descendant, or a member of the owner's
 * process group or session (which still holds after the owner died and the process was
 * reparented — the kernel does not reuse a pid while it names a group or session).
 */
export async function belongsTo(pid: number, owner: number): Promise<boolean> {
  if (pid === owner) return true;
  const stat = await readProcStat(pid);
  if (!stat) return false;
  if (stat.pgrp === owner) return true;
  if (stat.session === owner) return true;
  let current = stat.ppid;
  for (let depth = 0; depth < 64 && current > 1; depth++) {
    if (current === owner) return true;
    const parent = await readProcStat(current);
    if (!parent) return false;
    current = parent.ppid;
  }
  return false;
}
