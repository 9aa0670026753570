import { PortsError } from '../../errors.js';
import type { Allocation } from '../../protocol/allocation.js';
import type { CliContext, CommonFlags } from '../context.js';

/** `ports get SERVICE` and `ports env`: a service's port, for wiring services to each other. */
function newestFirst(a: Allocation, b: Allocation): number {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt);
}

export async function runGet(service: string, flags: CommonFlags, ctx: CliContext): Promise<number> {
  const client = await ctx.connect();
  try {
    const { allocations } = await client.status({ service });
    const [newest] = [...allocations].sort(newestFirst);
    if (!newest) throw new PortsError('E_NOT_FOUND', `No allocation for service ${service}`, { service });
    if (flags.json) ctx.out.json({ service, port: newest.port, allocation: newest, allocations });
    else ctx.out.result(String(newest.port));
    return 0;
  } finally {
    await client.close();
  }
}

/** `web-app` → `WEB_APP_PORT`. Pure. */
export function envName(service: string): string {
  const name = `${service.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_PORT`;
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

export async function runEnv(flags: CommonFlags & { owner?: string }, ctx: CliContext): Promise<number> {
  const client = await ctx.connect();
  try {
    const { allocations } = await client.status(flags.owner !== undefined ? { owner: flags.owner } : {});
    const env: Record<string, number> = {};
    // Oldest first, so the newest allocation of a service wins.
    for (const allocation of [...allocations].sort(newestFirst).reverse()) {
      if (allocation.service !== null) env[envName(allocation.service)] = allocation.port;
    }
    if (flags.json) ctx.out.json({ env });
    else for (const [name, port] of Object.entries(env)) ctx.out.result(`${name}=${port}`);
    return 0;
  } finally {
    await client.close();
  }
}
