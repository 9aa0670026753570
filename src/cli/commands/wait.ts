/**
 * `ports wait PORT|SERVICE`: until something accepts connections on 127.0.0.1 or ::1 (both are
 * tried, so a server on either family counts — unlike tools that only try one); with `--http
 * PATH`, until `GET PATH` there answers 2xx or 3xx; with `--free`, until nothing listens on the
 * port any more (TCP or UDP, any address). A service is looked up (and waited for) among the
 * allocations. Exit 7 on timeout, naming what is missing.
 */
import { acceptsConnections } from '../../system/connect-probe.js';
import { PortsError } from '../../errors.js';
import { pause } from '../../shared/pause.js';
import { probeHttp, type HttpAttempt } from '../../system/http-probe.js';
import { listenersOn } from '../../system/listeners.js';
import { createBindProbe, detectBindPlan, type PortProbe } from '../../system/port-probe.js';
import { readSocketTable } from '../../system/socket-table.js';
import { parseDuration } from '../duration.js';
import { normalizeHttpPath } from '../http-path.js';
import type { CliContext, CommonFlags } from '../context.js';
import { parseIntFlag } from '../flags.js';

export interface WaitFlags extends CommonFlags {
  timeout?: string;
  http?: string;
  free?: boolean;
}

const HTTP_ATTEMPT_MS = 1000;

/** The port of a service for --free: its newest allocation, else the port it was last released from. */
async function servicePortForFree(ctx: CliContext, service: string): Promise<number> {
  const client = await ctx.connect();
  try {
    const status = await client.status({ service });
    const newest = status.allocations.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
    if (newest) return newest.port;
    const released = status.recentReleases.filter((entry) => entry.allocation.service === service).sort((a, b) => Date.parse(b.releasedAt) - Date.parse(a.releasedAt))[0];
    if (released) return released.allocation.port;
  } finally {
    await client.close();
  }
  throw new PortsError('E_NOT_FOUND', `Service ${service} has no allocation and was not released recently: no port to wait on`, { target: service });
}

/** Nothing listens on the port (TCP) and no UDP socket is bound to it, on any address of either family. */
function createFreeCheck(): (port: number) => Promise<boolean> {
  let bindProbe: PortProbe | null = null;
  return async (port) => {
    const table = readSocketTable();
    if (table) return !table.ports.has(port);
    // No /proc: a bind test (it cannot disturb a server we are waiting to see gone).
    bindProbe ??= createBindProbe(await detectBindPlan());
    return bindProbe.isFree(port);
  };
}

function describeAttempts(attempts: readonly HttpAttempt[]): string {
  const answered = attempts.find((attempt) => attempt.status !== null);
  if (answered) return `last answer: HTTP ${answered.status} from ${answered.host}`;
  if (attempts.length === 0) return 'no attempt was made';
  const why = (code: string | null) => (code === 'ECONNREFUSED' ? 'connection refused' : code === 'ETIMEDOUT' ? `no answer within ${HTTP_ATTEMPT_MS / 1000} s` : code ?? 'no answer');
  return `last attempt: ${attempts.map((attempt) => `${attempt.host} ${why(attempt.error)}`).join(', ')}`;
}

async function describeHolders(port: number): Promise<string> {
  const listeners = (await listenersOn([port])).get(port) ?? [];
  if (listeners.length === 0) return '';
  const shown = listeners.slice(0, 3).map((l) => (l.pid === null ? 'a process of another user' : `pid ${l.pid}${l.command ? ` (${l.command.slice(0, 60)})` : ''}`));
  return ` (still held by ${shown.join(', ')}${listeners.length > 3 ? ` and ${listeners.length - 3} more` : ''})`;
}

export async function runWait(target: string, flags: WaitFlags, ctx: CliContext): Promise<number> {
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout) : 60_000;
  if (timeoutMs === null) throw new PortsError('E_USAGE', `--timeout: "${flags.timeout}" is not a duration (e.g. 30s, 2m)`);
  if (flags.http !== undefined && flags.free) {
    throw new PortsError('E_USAGE', '--http and --free cannot be used together: --http waits for a server to answer, --free for nothing to listen');
  }
  const path = flags.http !== undefined ? normalizeHttpPath(flags.http) : null;
  const byPort = /^\d+$/.test(target);
  let port: number | null = byPort ? parseIntFlag('PORT', target, 1, 65535) : null;
  const started = Date.now();
  if (flags.free && port === null) port = await servicePortForFree(ctx, target);
  const deadline = started + timeoutMs;
  const isFree = createFreeCheck();
  const name = () => (byPort ? `port ${port}` : `${target} (port ${port})`);
  let lastHttp: HttpAttempt[] = [];
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
    if (port !== null && flags.free) {
      if (await isFree(port)) {
        if (flags.json) ctx.out.json({ target, port, free: true, waitedMs: Date.now() - started });
        else ctx.out.message(`${name()} is free`);
        return 0;
      }
    } else if (port !== null && path !== null) {
      const current = port;
      lastHttp = await Promise.all([probeHttp('127.0.0.1', current, path, HTTP_ATTEMPT_MS), probeHttp('::1', current, path, HTTP_ATTEMPT_MS)]);
      const ok = lastHttp.find((attempt) => attempt.status !== null && attempt.status >= 200 && attempt.status < 400);
      if (ok) {
        if (flags.json) ctx.out.json({ target, port, host: ok.host, path, status: ok.status, waitedMs: Date.now() - started });
        else ctx.out.message(`${name()} answered GET ${path} with ${ok.status} on ${ok.host}`);
        return 0;
      }
    } else if (port !== null) {
      const [v4, v6] = await Promise.all([acceptsConnections(port, '127.0.0.1', 1000), acceptsConnections(port, '::1', 1000)]);
      if (v4 || v6) {
        const host = v4 ? '127.0.0.1' : '::1';
        if (flags.json) ctx.out.json({ target, port, host, waitedMs: Date.now() - started });
        else ctx.out.message(`${name()} is listening on ${host}`);
        return 0;
      }
    }
    if (Date.now() >= deadline) {
      const seconds = Math.round(timeoutMs / 100) / 10;
      if (port === null) {
        throw new PortsError('E_TIMEOUT', `Timed out after ${seconds}s waiting for service ${target} to be allocated`, { target, port });
      }
      if (flags.free) {
        throw new PortsError('E_TIMEOUT', `Timed out after ${seconds}s waiting for ${name()} to be free${await describeHolders(port)}`, { target, port });
      }
      if (path !== null) {
        const answered = lastHttp.find((attempt) => attempt.status !== null);
        throw new PortsError('E_TIMEOUT', `Timed out after ${seconds}s waiting for ${name()} to answer GET ${path} with 2xx or 3xx on 127.0.0.1 or ::1 (${describeAttempts(lastHttp)})`, {
          target,
          port,
          path,
          lastStatus: answered?.status ?? null,
        });
      }
      throw new PortsError('E_TIMEOUT', `Timed out after ${seconds}s waiting for ${name()} to listen on 127.0.0.1 or ::1`, { target, port });
    }
    await pause(Math.min(100, Math.max(0, deadline - Date.now())));
  }
}
