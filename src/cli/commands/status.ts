import type { Allocation } from '../../protocol/allocation.js';
import { formatAge } from '../duration.js';
import type { CliContext, CommonFlags } from '../context.js';

export interface StatusFlags extends CommonFlags {
  service?: string;
  owner?: string;
}

function healthCell(allocation: Allocation): string {
  if (allocation.health.status === null) return '-';
  return allocation.health.reason ? `${allocation.health.status} (${allocation.health.reason})` : allocation.health.status;
}

export async function runStatus(flags: StatusFlags, ctx: CliContext): Promise<number> {
  const client = await ctx.connect();
  try {
    const status = await client.status({
      ...(flags.service !== undefined ? { service: flags.service } : {}),
      ...(flags.owner !== undefined ? { owner: flags.owner } : {}),
    });
    if (flags.json) {
      ctx.out.json({ ...status });
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
      ctx.out.result(ctx.out.dim(`daemon pid ${status.daemon.pid}, portkeeper ${status.daemon.version}, up ${formatAge(status.daemon.uptimeMs)}, ${status.allocations.length} allocation(s)`));
      if (rows.length === 0) {
        ctx.out.result('no allocations');
        return 0;
      }
    }
    ctx.out.table(['PORT', 'SERVICE', 'PID', 'OWNER', 'AGE', 'HEALTH', 'FAILURES'], rows);
    return 0;
  } finally {
    await client.close();
  }
}
