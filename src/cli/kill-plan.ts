/**
 * Which listeners `ports kill` stops, and why it leaves the others running. Pure: the command
 * gathers the processes (from the socket tables and /proc) and the caller's uid, this decides.
 */
import type { Listener } from '../system/listeners.js';

/** One process listening on some of the named ports (or one socket nobody visible holds). */
export interface KillCandidate {
  /** null: a socket of a process this user cannot inspect (another user's). */
  pid: number | null;
  command: string | null;
  argv: readonly string[] | null;
  /** Its real uid, null when unreadable. */
  uid: number | null;
  startTime: number | null;
  /** The named ports it listens on (TCP) or has bound (UDP), ascending. */
  ports: number[];
}

export interface KillPolicy {
  /** The real uid of the `ports` process: "your own" processes are this uid's. */
  callerUid: number;
  /** Also stop processes of other users (only root can see and signal them). */
  force: boolean;
  /** Processes never stopped, with the reason: this CLI, its ancestors, the daemon it talks to. */
  protectedPids: ReadonlyMap<number, string>;
}

export type SkipCode = 'protected' | 'daemon' | 'not_inspectable' | 'other_user' | 'unknown_owner';

export type KillDecision = { action: 'stop' } | { action: 'skip'; code: SkipCode; reason: string };

export type PlannedKill = KillCandidate & { decision: KillDecision };

/**
 * One candidate per process across all the named ports (so a process on several of them is
 * signalled once), in order of first appearance. Sockets without a visible process stay one per
 * socket inode.
 */
export function groupListeners(byPort: ReadonlyMap<number, readonly Listener[]>, info: (pid: number) => Pick<KillCandidate, 'argv' | 'uid' | 'startTime'>): KillCandidate[] {
  const groups = new Map<string, KillCandidate>();
  for (const [port, listeners] of byPort) {
    for (const listener of listeners) {
      const key = listener.pid === null ? `inode:${listener.inode}` : `pid:${listener.pid}`;
      let group = groups.get(key);
      if (!group) {
        const known = listener.pid === null ? { argv: null, uid: null, startTime: null } : info(listener.pid);
        group = { pid: listener.pid, command: listener.command, ...known, ports: [] };
        groups.set(key, group);
      }
      if (!group.ports.includes(port)) group.ports.push(port);
    }
  }
  for (const group of groups.values()) group.ports.sort((a, b) => a - b);
  return [...groups.values()];
}

/**
 * A portkeeper daemon's command line: `… ports daemon …` (bin/ports run by node, or by its
 * shebang). Daemons are stopped with `ports daemon stop`, never by `ports kill`, whichever
 * socket they serve (their metrics port is a TCP listener).
 */
export function isPortkeeperDaemon(argv: readonly string[] | null): boolean {
  if (!argv) return false;
  const script = argv.slice(0, 2).findIndex((arg) => arg === 'ports' || arg.endsWith('/ports'));
  return script !== -1 && argv[script + 1] === 'daemon' && argv[script + 2] !== 'stop' && argv[script + 2] !== 'status';
}

export function decideKill(candidate: KillCandidate, policy: KillPolicy): KillDecision {
  if (candidate.pid === null) return { action: 'skip', code: 'not_inspectable', reason: 'listener of another user (not inspectable)' };
  const protectedWhy = policy.protectedPids.get(candidate.pid);
  if (protectedWhy !== undefined) return { action: 'skip', code: 'protected', reason: protectedWhy };
  // init, or a container's only process: with socket activation systemd itself holds listeners.
  if (candidate.pid === 1) return { action: 'skip', code: 'protected', reason: 'pid 1 (init) is never stopped' };
  if (isPortkeeperDaemon(candidate.argv)) return { action: 'skip', code: 'daemon', reason: 'a portkeeper daemon (stop it with `ports daemon stop`)' };
  if (candidate.uid === policy.callerUid) return { action: 'stop' };
  if (policy.force) return { action: 'stop' };
  if (candidate.uid === null) return { action: 'skip', code: 'unknown_owner', reason: 'its user could not be read (use --force)' };
  return { action: 'skip', code: 'other_user', reason: `process of another user (uid ${candidate.uid}; use --force)` };
}

export function planKill(candidates: readonly KillCandidate[], policy: KillPolicy): PlannedKill[] {
  return candidates.map((candidate) => ({ ...candidate, decision: decideKill(candidate, policy) }));
}
