/**
 * `ports kill PORT...`: stop whatever listens on exactly these ports (TCP listeners and bound UDP
 * sockets, IPv4 and IPv6, from the kernel's socket tables — never a process that is only
 * connected to the port), allocated through portkeeper or not: SIGTERM, then SIGKILL after
 * --timeout. Only the caller's own user's processes unless --force; never this CLI, its
 * ancestors, pid 1 or a portkeeper daemon. Then releases the ports' allocations, through a
 * daemon that is already running (none is started for this).
 *
 * Exit 0 when every named port is free at the end (also when it was free already); 1 when
 * something still listens on one (left running, or could not be stopped); 2 for bad arguments.
 */
import { isPortsError, PortsError } from '../../errors.js';
import type { PortsClient } from '../../client/client.js';
import { isRefusal } from '../../client/refusal.js';
import type { Allocation } from '../../protocol/allocation.js';
import { listenersOn, type Listener } from '../../system/listeners.js';
import { readCmdline, readProcStat, readUid } from '../../system/proc-stat.js';
import { readSocketTable } from '../../system/socket-table.js';
import { stopProcesses, type StopOutcome } from '../../system/stop-processes.js';
import { parseDuration } from '../duration.js';
import { escapeMessage, escapeText } from '../../shared/escape.js';
import { pause } from '../../shared/pause.js';
import { groupListeners, planKill, type KillCandidate, type PlannedKill } from '../kill-plan.js';
import { parsePortList } from '../port-list.js';
import type { CliContext, CommonFlags } from '../context.js';

export interface KillFlags extends CommonFlags {
  timeout?: string;
  force?: boolean;
  dryRun?: boolean;
}

type ProcessAction = 'stopped' | 'would_stop' | 'skipped' | 'failed';
type ReleaseAction = 'released' | 'would_release' | 'released_by_owner' | 'kept' | null;

interface ProcessReport {
  pid: number | null;
  command: string | null;
  uid: number | null;
  ports: number[];
  action: ProcessAction;
  signal: 'SIGTERM' | 'SIGKILL' | null;
  reason: string | null;
}

interface PortReport {
  port: number;
  /** Something listened on it when the command started. */
  listening: boolean;
  /** Nothing listens on it now (in a dry run: nothing would, once the planned stops are done). */
  free: boolean;
  allocation: Allocation | null;
  release: ReleaseAction;
  /** Listeners found after the stop that were not in the plan (a supervisor restarted the server, say). */
  newListeners: Array<{ pid: number | null; command: string | null }>;
}

/** A client of the daemon that already runs, or why there is none (no daemon is started for this). */
async function connectIfRunning(ctx: CliContext): Promise<{ client: PortsClient | null; problem: string | null }> {
  try {
    return { client: await ctx.connect({ autostart: false }), problem: null };
  } catch (error) {
    if (isPortsError(error) && error.code === 'E_DAEMON_UNREACHABLE' && !isRefusal(error)) return { client: null, problem: null };
    return { client: null, problem: isPortsError(error) ? error.message : String(error) };
  }
}

/** The allocation on exactly `port`, or null. */
async function allocationOn(client: PortsClient, port: number): Promise<Allocation | null> {
  const { allocations } = await client.status({ after: port - 1, limit: 1 });
  const found = allocations[0];
  return found && found.port === port ? found : null;
}

/** This process and every ancestor: what runs `ports kill` must not be stopped by it. */
async function protectedPids(daemonPid: number | null): Promise<Map<number, string>> {
  const pids = new Map<number, string>([[process.pid, 'this ports process']]);
  let current = process.ppid;
  for (let depth = 0; depth < 64 && current > 1; depth++) {
    pids.set(current, `runs this ports command (pid ${current} is its ${depth === 0 ? 'parent' : 'ancestor'})`);
    const stat = await readProcStat(current);
    if (!stat) break;
    current = stat.ppid;
  }
  if (daemonPid !== null) pids.set(daemonPid, 'the portkeeper daemon (stop it with `ports daemon stop`)');
  return pids;
}

async function describeProcess(pid: number): Promise<Pick<KillCandidate, 'argv' | 'uid' | 'startTime'>> {
  const [argv, uid, stat] = await Promise.all([readCmdline(pid), readUid(pid), readProcStat(pid)]);
  return { argv, uid, startTime: stat?.startTime ?? null };
}

function toReport(planned: PlannedKill, outcome: StopOutcome | undefined, dryRun: boolean): ProcessReport {
  const base = { pid: planned.pid, command: planned.command, uid: planned.uid, ports: planned.ports };
  if (planned.decision.action === 'skip') return { ...base, action: 'skipped', signal: null, reason: planned.decision.reason };
  if (dryRun) return { ...base, action: 'would_stop', signal: null, reason: null };
  if (!outcome || outcome.exited) return { ...base, action: 'stopped', signal: outcome?.signal ?? null, reason: null };
  return { ...base, action: 'failed', signal: outcome.signal, reason: outcome.error ?? 'still running' };
}

function who(pid: number | null, command: string | null): string {
  return `${pid === null ? 'a process of another user' : `pid ${pid}`}${command ? ` (${escapeText(command.slice(0, 80))})` : ''}`;
}

function printText(ctx: CliContext, processes: ProcessReport[], ports: PortReport[]): void {
  for (const p of processes) {
    const what = `${who(p.pid, p.command)} on ${p.ports.join(', ')}`;
    if (p.action === 'stopped') ctx.out.message(`stopped ${what}${p.signal ? ` with ${p.signal}` : ' (it had exited already)'}`);
    else if (p.action === 'would_stop') ctx.out.message(`would stop ${what}`);
    else if (p.action === 'skipped') ctx.out.message(`left ${what} running: ${p.reason}`);
    else ctx.out.message(`could not stop ${what}: ${p.reason}`);
  }
  for (const port of ports) {
    const named = `${port.port}${port.allocation?.service ? ` (${port.allocation.service})` : ''}`;
    if (!port.listening) {
      const held = port.allocation ? ` (still allocated${port.allocation.service ? ` to ${port.allocation.service}` : ''}; \`ports release ${port.port}\` frees it)` : '';
      ctx.out.message(`nothing listens on ${port.port}${held}`);
    }
    for (const listener of port.newListeners) ctx.out.message(`${who(listener.pid, listener.command)} listens on ${port.port} after the stop (restarted by a supervisor?)`);
    if (port.release === 'released') ctx.out.message(`released ${named}`);
    else if (port.release === 'would_release') ctx.out.message(`would release ${named}`);
    else if (port.release === 'released_by_owner') ctx.out.message(`${named} was released by its owner meanwhile`);
  }
}

const SETTLE_MS = 2000;

/**
 * The listeners once the stopped processes' sockets are closed. A process whose main thread has
 * exited already looks like a zombie while its other threads still close its files, so its
 * sockets can outlive it for a moment (listed without a pid): poll until only listeners that
 * were left running remain, for at most SETTLE_MS.
 */
async function settle(ports: number[], wasLeft: (listener: Listener) => boolean): Promise<Map<number, Listener[]>> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const now = await listenersOn(ports, { allHolders: true });
    if ([...now.values()].flat().every(wasLeft) || Date.now() >= deadline) return now;
    await pause(50);
  }
}

export async function runKill(portTexts: string[], flags: KillFlags, ctx: CliContext): Promise<number> {
  const ports = parsePortList(portTexts);
  let timeoutMs = 10_000;
  if (flags.timeout !== undefined) {
    const parsed = parseDuration(flags.timeout);
    if (parsed === null) throw new PortsError('E_USAGE', `--timeout: "${flags.timeout}" is not a duration (e.g. 10, 10s, 500ms)`);
    timeoutMs = parsed;
  }
  const dryRun = flags.dryRun === true;
  // Without the tables nothing can be found, and "nothing listens" would be a lie.
  if (readSocketTable() === null) {
    throw new PortsError('E_PATH', "Cannot read the kernel's socket tables (/proc/net/tcp, /proc/net/tcp6): ports kill needs /proc to find listeners", { path: '/proc/net/tcp' });
  }

  const { client, problem } = await connectIfRunning(ctx);
  try {
    if (problem !== null && !flags.json) ctx.out.message(`note: could not reach the daemon, so no allocation is looked up or released: ${escapeMessage(problem)}`);
    const allocations = new Map<number, Allocation | null>();
    for (const port of ports) allocations.set(port, client ? await allocationOn(client, port) : null);

    const before = await listenersOn(ports, { allHolders: true });
    const infos = new Map<number, Pick<KillCandidate, 'argv' | 'uid' | 'startTime'>>();
    for (const listeners of before.values()) {
      for (const { pid } of listeners) if (pid !== null && !infos.has(pid)) infos.set(pid, await describeProcess(pid));
    }
    const candidates = groupListeners(before, (pid) => infos.get(pid) ?? { argv: null, uid: null, startTime: null });
    const plan = planKill(candidates, {
      callerUid: process.getuid?.() ?? -1,
      force: flags.force === true,
      protectedPids: await protectedPids(client?.daemon?.pid ?? null),
    });

    const targets = plan.flatMap((p) => (p.decision.action === 'stop' && p.pid !== null ? [{ pid: p.pid, startTime: p.startTime }] : []));
    const outcomes = dryRun || targets.length === 0 ? new Map<number, StopOutcome>() : await stopProcesses(targets, { timeoutMs });
    const processes = plan.map((p) => toReport(p, p.pid === null ? undefined : outcomes.get(p.pid), dryRun));

    const key = (listener: Listener) => (listener.pid === null ? `inode:${listener.inode}` : `pid:${listener.pid}`);
    const known = new Set([...before.values()].flat().map(key));
    // Left running on purpose: skipped processes, and sockets of processes we cannot see (always skipped).
    const skipped = new Set(plan.flatMap((p) => (p.decision.action === 'skip' && p.pid !== null ? [p.pid] : [])));
    const wasLeft = (listener: Listener) => (listener.pid === null ? known.has(key(listener)) : skipped.has(listener.pid));
    const after = dryRun || targets.length === 0 ? before : await settle(ports, wasLeft);
    const reports: PortReport[] = [];
    for (const port of ports) {
      const was = before.get(port) ?? [];
      const now: Listener[] = after.get(port) ?? [];
      const remaining = dryRun ? processes.filter((p) => p.ports.includes(port) && p.action === 'skipped') : now;
      const free = remaining.length === 0;
      const allocation = allocations.get(port) ?? null;
      let release: ReleaseAction = allocation ? 'kept' : null;
      if (allocation && was.length > 0 && free) {
        if (dryRun) release = 'would_release';
        else if (client) {
          // The allocation seen before the stop, not one made since on the same port.
          const { released } = await client.release({
            ports: [port],
            ...(allocation.pid !== null ? { pid: allocation.pid } : {}),
            ...(allocation.owner !== null ? { owner: allocation.owner } : {}),
            ...(allocation.service !== null ? { service: allocation.service } : {}),
          });
          release = released.length > 0 ? 'released' : 'released_by_owner';
        }
      }
      const newListeners = dryRun ? [] : now.filter((l) => !known.has(key(l))).map(({ pid, command }) => ({ pid, command }));
      reports.push({ port, listening: was.length > 0, free, allocation, release, newListeners });
    }

    if (flags.json) ctx.out.json({ dryRun, timeoutMs, daemon: client ? 'running' : problem !== null ? 'unreachable' : 'not_running', ports: reports, processes });
    else printText(ctx, processes, reports);
    return reports.every((report) => report.free) ? 0 : 1;
  } finally {
    await client?.close();
  }
}
