import type { Allocation } from '../../protocol/allocation.js';
import type { StatusParams } from '../../protocol/messages.js';
import type { StatusResult } from '../../protocol/results.js';
import { formatAge } from '../duration.js';
import type { CliContext, CommonFlags } from '../context.js';
import { parseIntFlag } from '../flags.js';

export interface StatusFlags extends CommonFlags {
  service?: string;
  owner?: string;
  type?: string;
  health?: NonNullable<StatusParams['health']>;
  summary?: boolean;
  limit?: string;
  after?: string;
  all?: boolean;
}

/** A terminal shows this many rows unless --limit or --all says otherwise; scripts get them all. */
const TERMINAL_ROWS = 100;

function healthCell(allocation: Allocation): string {
  if (allocation.health.status === null) return '-';
  // The last cycle could not check it (the daemon ran short of descriptors, say): kept as it was.
  if (allocation.health.status === 'unknown') return 'unknown (not checked)';
  return allocation.health.reason ? `${allocation.health.status} (${allocation.health.reason})` : allocation.health.status;
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key} ${n}`).join(', ');
}

function printSummary(status: StatusResult, ctx: CliContext): void {
  const { summary, health } = status;
  ctx.out.result(`allocations: ${summary.total} (${summary.tracked} with an owner process or lease)`);
  ctx.out.result(`by type: ${counts(summary.byType)}`);
  ctx.out.result(`by health: ${counts(summary.byHealth)}`);
  ctx.out.result(`by owner tag: ${counts(summary.byOwner)}`);
  const cycle = health.last_cycle;
  ctx.out.result(
    `health monitor: ${health.enabled ? `every ${health.check_interval_ms} ms` : 'disabled'}, ${health.failing_allocations} failing` +
      (cycle
        ? `; last cycle checked ${cycle.checked} in ${cycle.duration_ms} ms, released ${cycle.released}` +
          (cycle.unknown > 0 ? `, ${cycle.unknown} could not be checked (kept; see ports doctor)` : '')
        : ''),
  );
}

export async function runStatus(flags: StatusFlags, ctx: CliContext): Promise<number> {
  const limit =
    flags.all === true ? undefined : flags.limit !== undefined ? parseIntFlag('--limit', flags.limit, 1, 65535) : ctx.out.isTTY && !flags.json ? TERMINAL_ROWS : undefined;
  const params: StatusParams = {
    ...(flags.service !== undefined ? { service: flags.service } : {}),
    ...(flags.owner !== undefined ? { owner: flags.owner } : {}),
    ...(flags.type !== undefined ? { type: flags.type } : {}),
    ...(flags.health !== undefined ? { health: flags.health } : {}),
    ...(flags.summary === true ? { summary: true } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(flags.after !== undefined ? { after: parseIntFlag('--after', flags.after, 0, 65535) } : {}),
  };
  const client = await ctx.connect();
  try {
    const status = await client.status(params);
    if (flags.json) {
      ctx.out.json({ ...status });
      return 0;
    }
    if (flags.summary === true) {
      printSummary(status, ctx);
      return 0;
    }
    const now = Date.now();
    const rows = status.allocations.map((a) => [
      String(a.port),
      a.service ?? '-',
      a.pid === null ? 'reserved' : String(a.pid),
      a.owner ?? '-',
      formatAge(now - Date.parse(a.createdAt)),
      healthCell(a),
      String(a.health.failures),
    ]);
    if (ctx.out.isTTY) {
      ctx.out.result(ctx.out.dim(`daemon pid ${status.daemon.pid}, portkeeper ${status.daemon.version}, up ${formatAge(status.daemon.uptimeMs)}, ${status.summary.total} allocation(s)`));
      if (rows.length === 0) {
        ctx.out.result('no allocations');
        return 0;
      }
    }
    ctx.out.table(['PORT', 'SERVICE', 'PID', 'OWNER', 'AGE', 'HEALTH', 'FAILURES'], rows);
    if (status.next !== null) ctx.out.message(`… more after port ${status.next}: ports status --after ${status.next} (or --all, --summary)`);
    return 0;
  } finally {
    await client.close();
  }
}
