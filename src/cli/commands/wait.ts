import { acceptsConnections } from '../../system/connect-probe.js';
import { PortsError } from '../../errors.js';
import { parseDuration } from '../duration.js';
import type { CliContext, CommonFlags } from '../context.js';
import { parseIntFlag } from '../flags.js';

/**
 * `ports wait PORT|SERVICE`: until something accepts connections on 127.0.0.1 or ::1 (both are
 * tried, so a server on either family counts — unlike tools that only try one). A service is
 * looked up (and waited for) among the allocations. Exit 7 on timeout, naming what is missing.
 */
export interface WaitFlags extends CommonFlags {
  timeout?: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runWait(target: string, flags: WaitFlags, ctx: CliContext): Promise<number> {
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout) : 60_000;
  if (timeoutMs === null) throw new PortsError('E_USAGE', `--timeout: "${flags.timeout}" is not a duration (e.g. 30s, 2m)`);
  const byPort = /^\d+$/.test(target);
  let port: number | null = byPort ? parseIntFlag('PORT', target, 1, 65535) : null;
  const deadline = Date.now() + timeoutMs;
  const started = Date.now();
  for (;;) {
    if (port === null) {
      const client = await ctx.connect();
      try {
        const { allocations } = await client.status({ service: target });
        port = allocations.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0]?.port ?? null;
      } finally {
        await client.close();
      }
    }
    if (port !== null) {
      const [v4, v6] = await Promise.all([acceptsConnections(port, '127.0.0.1', 1000), acceptsConnections(port, '::1', 1000)]);
      if (v4 || v6) {
        const host = v4 ? '127.0.0.1' : '::1';
        if (flags.json) ctx.out.json({ target, port, host, waitedMs: Date.now() - started });
        else ctx.out.message(`${byPort ? `port ${port}` : `${target} (port ${port})`} is listening on ${host}`);
        return 0;
      }
    }
    if (Date.now() >= deadline) {
      const what = port === null ? `service ${target} to be allocated` : `${byPort ? `port ${port}` : `${target} (port ${port})`} to listen on 127.0.0.1 or ::1`;
      throw new PortsError('E_TIMEOUT', `Timed out after ${Math.round(timeoutMs / 100) / 10}s waiting for ${what}`, { target, port });
    }
    await pause(Math.min(100, Math.max(0, deadline - Date.now())));
  }
}
