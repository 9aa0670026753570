/**
 * `ports cleanup`: sweep now (dead, reused or expired owners; or every allocation of --owner),
 * optionally stopping what still listens on those ports (--kill: SIGTERM, then SIGKILL after
 * --timeout, by the stopProcesses that `ports kill` uses too). Only the allocation's owner or its
 * descendants (same process group or session) are stopped, unless --force. Ports are matched
 * exactly from the LISTEN tables.
 */
import { PortsError } from '../../errors.js';
import type { CleanupEntry } from '../../protocol/results.js';
import { belongsTo, listenersOn, type Listener } from '../../system/listeners.js';
import { stopProcesses } from '../../system/stop-processes.js';
import { parseDuration } from '../duration.js';
import { escapeText } from '../../shared/escape.js';
import type { CliContext, CommonFlags } from '../context.js';

export interface CleanupFlags extends CommonFlags {
  owner?: string;
  dryRun?: boolean;
  kill?: boolean;
  timeout?: string;
  force?: boolean;
}

interface KillReport {
  /** null for a listener of another user (not inspectable). */
  pid: number | null;
  command: string | null;
  signal: 'SIGTERM' | 'SIGKILL' | null;
  skipped?: string;
}

async function stopListeners(entry: CleanupEntry, listeners: Listener[], flags: CleanupFlags, timeoutMs: number): Promise<KillReport[]> {
  const reports: KillReport[] = [];
  for (const listener of listeners) {
    if (listener.pid === null) {
      reports.push({ pid: null, command: null, signal: null, skipped: 'listener of another user (not inspectable)' });
      continue;
    }
    if (listener.pid === process.pid) continue;
    // A reused pid now names an unrelated process: its tree is nobody's business here.
    const owner = entry.reason === 'pid_reused' ? null : entry.allocation.pid;
    const ours = owner !== null && (await belongsTo(listener.pid, owner));
    if (!ours && !flags.force) {
      const why =
        entry.reason === 'pid_reused'
          ? `owner pid ${entry.allocation.pid} now belongs to another process (use --force)`
          : owner === null
            ? 'reservation without an owner process (use --force)'
            : `not pid ${owner} or its descendant (use --force)`;
      reports.push({ pid: listener.pid, command: listener.command, signal: null, skipped: why });
      continue;
    }
    if (flags.dryRun) {
      reports.push({ pid: listener.pid, command: listener.command, signal: null, skipped: 'dry run' });
      continue;
    }
    reports.push({ pid: listener.pid, command: listener.command, signal: 'SIGTERM' });
  }
  const targets = reports.filter((report): report is KillReport & { pid: number } => report.signal === 'SIGTERM' && report.pid !== null);
  const outcomes = await stopProcesses(targets, { timeoutMs });
  for (const target of targets) {
    const outcome = outcomes.get(target.pid);
    // Gone before the signal: it stopped all the same, as SIGTERM asks.
    if (outcome?.signal) target.signal = outcome.signal;
    if (outcome?.error && !outcome.exited) {
      target.signal = null;
      target.skipped = outcome.error;
    }
  }
  return reports;
}

function describeReason(entry: Pick<CleanupEntry, 'allocation' | 'reason'>): string {
  switch (entry.reason) {
    case 'process_dead':
      return `owner pid ${entry.allocation.pid} is dead`;
    case 'pid_reused':
      return `owner pid ${entry.allocation.pid} was reused by another process`;
    case 'expired':
      return 'lease expired';
    case 'owner':
    default: // a reason from a daemon of another version
      return `owner ${entry.allocation.owner}`;
  }
}

export async function runCleanup(flags: CleanupFlags, ctx: CliContext): Promise<number> {
  let timeoutMs = 10_000;
  if (flags.timeout !== undefined) {
    const parsed = parseDuration(flags.timeout);
    if (parsed === null) throw new PortsError('E_USAGE', `--timeout: "${flags.timeout}" is not a duration (e.g. 10, 10s, 500ms)`);
    timeoutMs = parsed;
  }
  if ((flags.timeout !== undefined || flags.force) && !flags.kill) throw new PortsError('E_USAGE', '--timeout and --force go with --kill');
  const client = await ctx.connect();
  try {
    const owner = flags.owner !== undefined ? { owner: flags.owner } : {};
    const planned = await client.cleanup({ ...owner, dryRun: true });
    const kills = new Map<number, KillReport[]>();
    if (flags.kill && planned.entries.length > 0) {
      const listeners = await listenersOn(planned.entries.map((entry) => entry.allocation.port));
      for (const entry of planned.entries) {
        kills.set(entry.allocation.port, await stopListeners(entry, listeners.get(entry.allocation.port) ?? [], flags, timeoutMs));
      }
    }
    // The report follows the plan: an entry whose owner released it meanwhile (a `ports run`
    // wrapper whose command just stopped) is gone all the same.
    const done = flags.dryRun ? planned : await client.cleanup(owner);
    const releasedNow = new Set(done.entries.map((entry) => entry.allocation.port));
    // A planned entry the sweep did not release: gone meanwhile (its owner released it, e.g. a
    // `ports run` wrapper whose command stopped), or still there (renewed, say) and kept.
    const stillHeld = flags.dryRun
      ? new Set<string>()
      : new Set((await client.status()).allocations.map((a) => `${a.port}@${a.createdAt}`));
    const actionOf = (entry: CleanupEntry): CleanupEntry['action'] | 'released_by_owner' | 'kept' => {
      if (flags.dryRun || releasedNow.has(entry.allocation.port)) return entry.action;
      return stillHeld.has(`${entry.allocation.port}@${entry.allocation.createdAt}`) ? 'kept' : 'released_by_owner';
    };
    const plannedPorts = new Set(planned.entries.map((entry) => entry.allocation.port));
    const rows = [...planned.entries.map((entry) => done.entries.find((d) => d.allocation.port === entry.allocation.port) ?? entry), ...done.entries.filter((entry) => !plannedPorts.has(entry.allocation.port))].map(
      (entry) => ({ ...entry, action: actionOf(entry), kills: kills.get(entry.allocation.port) ?? [] }),
    );
    if (flags.json) {
      ctx.out.json({ dryRun: flags.dryRun === true, entries: rows });
      return 0;
    }
    for (const row of rows) {
      const what = `${row.allocation.port}${row.allocation.service ? ` (${row.allocation.service})` : ''}`;
      const verb = flags.dryRun ? 'would release' : row.action === 'kept' ? 'kept' : 'released';
      ctx.out.message(`${verb} ${what}: ${describeReason(row)}`);
      for (const kill of row.kills) {
        const who = `${kill.pid === null ? 'a process of another user' : `pid ${kill.pid}`}${kill.command ? ` (${escapeText(kill.command.slice(0, 80))})` : ''}`;
        ctx.out.message(kill.signal ? `  stopped ${who} with ${kill.signal}` : `  left ${who} running: ${kill.skipped}`);
      }
    }
    if (rows.length === 0) ctx.out.message('nothing to clean up');
    return 0;
  } finally {
    await client.close();
  }
}
