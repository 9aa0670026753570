import type { AuditEvent } from '../../protocol/results.js';
import type { CliContext, CommonFlags } from '../context.js';
import { escapeText } from '../../shared/escape.js';
import { parseIntFlag } from '../flags.js';

export interface EventsFlags extends CommonFlags {
  follow?: boolean;
  limit?: string;
}

function describe(event: AuditEvent): string {
  const a = event.allocation;
  const what = a ? ` port=${a.port}${a.service ? ` service=${a.service}` : ''}${a.pid !== null ? ` pid=${a.pid}` : ''}${a.owner ? ` owner=${a.owner}` : ''}` : '';
  // A recovery's reason quotes a parser's view of the file: one line, escaped.
  const why = event.reason ? ` reason=${escapeText(event.reason)}` : '';
  const failures = event.failures !== undefined ? ` failures=${event.failures}` : '';
  return `${event.time} ${event.type}${what}${why}${failures}${killNotes(event.details)}`;
}

/** A kill verdict's processes (health.killing) and a reclaim that followed one. */
function killNotes(details: Record<string, unknown> | undefined): string {
  if (!details) return '';
  const pids = Array.isArray(details['pids']) ? details['pids'].filter((pid): pid is number => typeof pid === 'number') : null;
  return `${pids ? ` pids=${pids.length > 0 ? pids.join(',') : 'none'}` : ''}${details['action'] === 'kill' ? ' action=kill' : ''}`;
}

/**
 * `ports events`: the recent audit events; `--follow` keeps printing new ones until
 * interrupted (one JSON object per line with --json) and exits 0 on SIGINT/SIGTERM.
 */
export async function runEvents(flags: EventsFlags, ctx: CliContext): Promise<number> {
  const limit = flags.limit !== undefined ? parseIntFlag('--limit', flags.limit, 0, 10_000) : 100;
  const client = await ctx.connect();
  const print = (event: AuditEvent): void => {
    if (flags.json && flags.follow) ctx.out.result(JSON.stringify(event));
    else if (!flags.json) ctx.out.result(describe(event));
  };
  if (!flags.follow) {
    try {
      const { events } = await client.events({ limit });
      if (flags.json) ctx.out.json({ events });
      else for (const event of events) print(event);
      return 0;
    } finally {
      await client.close();
    }
  }
  // New events may arrive before the reply with the backlog: hold them until it is printed.
  let held: AuditEvent[] | null = [];
  const { events } = await client.events({ follow: true, limit, onEvent: (event) => (held ? held.push(event) : print(event)) });
  const newest = events.at(-1)?.seq ?? 0;
  for (const event of events) print(event);
  for (const event of held) if (event.seq > newest) print(event);
  held = null;
  let interrupted = false;
  const stop = (): void => {
    interrupted = true;
    client.destroy();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await client.closed;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (interrupted) return 0;
  ctx.out.message('the daemon closed the connection');
  return 3;
}
