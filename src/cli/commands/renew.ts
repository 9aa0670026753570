import { PortsError } from '../../errors.js';
import type { RenewParams } from '../../protocol/messages.js';
import { parseDuration } from '../duration.js';
import type { CliContext, CommonFlags } from '../context.js';
import { parsePortArgument } from '../flags.js';

/** `ports renew PORT... | --service S [--ttl DUR]`: extend leases (by their own ttl unless --ttl). */
export async function runRenew(ports: string[], flags: CommonFlags & { service?: string; ttl?: string }, ctx: CliContext): Promise<number> {
  const params: RenewParams = {};
  if (ports.length > 0) params.ports = ports.map((port) => parsePortArgument(port, 'renew'));
  if (flags.service !== undefined) params.service = flags.service;
  if (params.ports === undefined && params.service === undefined) throw new PortsError('E_USAGE', 'Name what to renew: PORT... or --service');
  if (flags.ttl !== undefined) {
    const ms = parseDuration(flags.ttl);
    if (ms === null || ms < 1000) throw new PortsError('E_USAGE', `--ttl: "${flags.ttl}" is not a duration of at least 1s (e.g. 30s, 10m, 2h)`);
    params.ttlMs = ms;
  }
  const client = await ctx.connect();
  try {
    const { renewed } = await client.renew(params);
    if (flags.json) ctx.out.json({ renewed });
    else for (const a of renewed) ctx.out.message(`renewed ${a.port}${a.service ? ` (${a.service})` : ''} until ${a.expiresAt}`);
    return 0;
  } finally {
    await client.close();
  }
}
