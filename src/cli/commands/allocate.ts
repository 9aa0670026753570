import { PortsError } from '../../errors.js';
import type { HealthAction } from '../../protocol/health-action.js';
import type { AllocateParams } from '../../protocol/messages.js';
import { PID_MAX } from '../../protocol/pid-max.js';
import { parsePortRange } from '../../shared/port-range.js';
import { parseDuration } from '../duration.js';
import type { CliContext, CommonFlags } from '../context.js';
import { parseIntFlag, parsePortListFlag } from '../flags.js';
import { ciOwner } from '../ci-owner.js';
import { graceHint, isShell, mayNeedGraceHint } from '../allocate-hint.js';
import type { PortsClient } from '../../client/client.js';
import type { AllocateResult } from '../../protocol/results.js';
import { adoptedNote } from '../adoption.js';

export interface AllocateFlags extends CommonFlags {
  type?: string;
  port?: string;
  /** Comma-separated ports and ranges to try first. */
  prefer?: string;
  /** Comma-separated ports and ranges never to hand out. */
  exclude?: string;
  range?: string;
  /** A pid string, or false for --no-pid; undefined means the caller. */
  pid?: string | boolean;
  owner?: string;
  ttl?: string;
  healthUrl?: string;
  healthAction?: HealthAction;
  listenCheck?: boolean;
}

/** Flags → request. Throws E_USAGE for bad flags (exit 2). */
export async function allocateRequest(service: string | undefined, flags: AllocateFlags, ctx: CliContext): Promise<AllocateParams> {
  const params: AllocateParams = { pid: null };
  if (service !== undefined) params.service = service;
  if (flags.type !== undefined) params.type = flags.type;
  if (flags.port !== undefined) params.port = parseIntFlag('--port', flags.port, 1, 65535);
  if (flags.prefer !== undefined) {
    if (params.port !== undefined) throw new PortsError('E_USAGE', '--prefer and --port cannot be used together (--port is exact; --prefer falls back to a search)');
    params.preferred = parsePortListFlag('--prefer', flags.prefer);
  }
  if (flags.exclude !== undefined) {
    params.exclude = parsePortListFlag('--exclude', flags.exclude);
    if (params.port !== undefined && params.exclude.includes(params.port)) throw new PortsError('E_USAGE', `--port ${params.port} is also in --exclude`);
  }
  if (flags.range !== undefined) {
    const parsed = parsePortRange(flags.range);
    if (!parsed.ok) throw new PortsError('E_USAGE', `--range: ${parsed.error}`);
    params.range = parsed.range;
  }
  if (flags.pid === false) params.pid = null;
  else if (typeof flags.pid === 'string') params.pid = parseIntFlag('--pid', flags.pid, 2, PID_MAX);
  else params.pid = await ctx.callerPid();
  const owner = flags.owner ?? ciOwner(ctx.env);
  if (owner !== null) params.owner = owner;
  if (flags.ttl !== undefined) {
    const ms = parseDuration(flags.ttl);
    if (ms === null || ms < 1000) throw new PortsError('E_USAGE', `--ttl: "${flags.ttl}" is not a duration of at least 1s (e.g. 30s, 10m, 2h)`);
    params.ttlMs = ms;
  }
  if (flags.healthUrl !== undefined) params.healthUrl = flags.healthUrl;
  if (flags.healthAction !== undefined) {
    if (params.healthUrl === undefined) throw new PortsError('E_USAGE', '--health-action says what a failing --health-url leads to: give --health-url too');
    if (flags.healthAction === 'kill' && params.pid === null) throw new PortsError('E_USAGE', '--health-action kill stops the owner\'s processes: a reservation (--no-pid) has none');
    params.healthAction = flags.healthAction;
  }
  if (flags.listenCheck === false) params.listenCheck = false;
  return params;
}

export async function runAllocate(service: string | undefined, flags: AllocateFlags, ctx: CliContext): Promise<number> {
  const request = await allocateRequest(service, flags, ctx);
  const client = await ctx.connect();
  try {
    const result = await client.allocate(request);
    if (flags.json) {
      const { allocation, existing, adopted, sticky, warnings } = result;
      ctx.out.json({ port: allocation.port, existing, adopted, sticky, warnings, allocation });
    } else {
      for (const warning of result.warnings) ctx.out.message(`warning: ${warning}`);
      ctx.out.result(String(result.allocation.port));
      if (result.adopted) ctx.out.message(adoptedNote(result.allocation.port, result.allocation.pid, result.listener ? [result.listener] : []));
      else await printGraceHint(result, flags, ctx, client);
    }
    return 0;
  } finally {
    await client.close();
  }
}

/** The grace-period hint (src/cli/allocate-hint.ts), when a person at a terminal may fall into that trap. */
async function printGraceHint(result: AllocateResult, flags: AllocateFlags, ctx: CliContext, client: PortsClient): Promise<void> {
  const { allocation } = result;
  const candidate = { json: flags.json === true, stderrIsTTY: ctx.out.stderrIsTTY, existing: result.existing, pid: allocation.pid, listenCheck: allocation.listenCheck };
  if (!mayNeedGraceHint(candidate) || allocation.pid === null) return;
  try {
    const { readProcStat } = await import('../../system/proc-stat.js');
    if (!isShell((await readProcStat(allocation.pid))?.comm ?? null)) return;
    // The daemon's own settings: the summary costs the same at any number of allocations.
    const hint = graceHint(allocation.port, (await client.status({ summary: true })).health);
    if (hint !== null) ctx.out.message(hint);
  } catch {
    // Only a hint: the port is allocated and printed either way.
  }
}
