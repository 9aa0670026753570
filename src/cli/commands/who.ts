import { formatAge } from '../duration.js';
import { escapeText } from '../../shared/escape.js';
import { listenersOn, type Listener } from '../../system/listeners.js';
import { readCwd } from '../../system/proc-stat.js';
import { adoptSuggestion, serviceFromFolder, type AdoptSuggestion } from '../adoption.js';
import type { CliContext, CommonFlags } from '../context.js';
import { parsePortArgument } from '../flags.js';

/** For a port nobody allocated: the command that registers its (first known) listener, named after its folder when it can be. */
async function suggestAdopting(port: number, listeners: readonly Listener[], ctx: CliContext): Promise<AdoptSuggestion | null> {
  const listener = listeners.find((candidate) => candidate.pid !== null);
  if (!listener?.pid) return null;
  return adoptSuggestion(port, listener, serviceFromFolder(await readCwd(listener.pid), ctx.env['HOME']));
}

/**
 * `ports who PORT`: the allocation holding it and the processes listening on it (from /proc);
 * for a listener with no allocation, the `ports allocate` that adopts it.
 * Command lines are another process's text: escaped for the terminal, raw in --json.
 */
export async function runWho(portText: string, flags: CommonFlags, ctx: CliContext): Promise<number> {
  const port = parsePortArgument(portText, 'who');
  const client = await ctx.connect();
  let allocation;
  try {
    allocation = (await client.status()).allocations.find((a) => a.port === port) ?? null;
  } finally {
    await client.close();
  }
  const listeners = (await listenersOn([port])).get(port) ?? [];
  const adopt = allocation ? null : await suggestAdopting(port, listeners, ctx);
  if (flags.json) {
    ctx.out.json({ port, allocation, listeners: listeners.map(({ pid, command }) => ({ pid, command })), adopt });
    return 0;
  }
  ctx.out.result(`port ${port}`);
  if (allocation) {
    const owner = allocation.pid === null ? 'a reservation' : `pid ${allocation.pid}`;
    const tag = allocation.owner ? `, owner ${allocation.owner}` : '';
    const health = allocation.health.status ?? 'not checked yet';
    ctx.out.result(
      `  allocated: ${allocation.service ?? '(no service)'} to ${owner}${tag}, age ${formatAge(Date.now() - Date.parse(allocation.createdAt))}, ` +
        `health ${health} (${allocation.health.failures} failures)`,
    );
  } else {
    ctx.out.result('  allocated: no');
  }
  if (listeners.length === 0) ctx.out.result('  listening: nothing');
  for (const listener of listeners) {
    ctx.out.result(`  listening: ${listener.pid === null ? 'a process of another user' : `pid ${listener.pid}`}${listener.command ? ` ${escapeText(listener.command)}` : ''}`);
  }
  if (adopt) ctx.out.result(`  to register it: ${adopt.command}`);
  return 0;
}
