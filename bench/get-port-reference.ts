import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import getPort, { clearLockedPorts, portNumbers } from 'get-port';
import { msSince, summarizeLatencies, type LatencySummary } from './stats.js';

/**
 * The reference row: the same "find a free port in this range" work done by get-port (7.x) in the
 * bench process, with no daemon, no durability and no exclusivity beyond this process — what
 * every other tool does, and what portkeeper replaces.
 *
 * - sequential: one caller, `getPort({port: portNumbers(A, B)})`, then "release" (the nearest
 *   get-port has: `clearLockedPorts()`, so the next call may have the same port again, as the
 *   daemon's next allocate after a release does).
 * - concurrent: rounds of N callers at once (each gets a different port: get-port locks the
 *   ports it returned inside this process), then `clearLockedPorts()`; ports/s over all rounds.
 * - across processes: two node processes call get-port on the same range at the same time; when
 *   they print the same port, two owners "have" it — the collision the daemon exists to prevent.
 */
export interface GetPortReference {
  version: string;
  range: { start: number; end: number };
  /** How many addresses get-port bind-tests per candidate port here (undefined host, 0.0.0.0 and every interface address). */
  hostsTested: number;
  sequential: { calls: number; ms: number; portsPerSecond: number; latency: LatencySummary };
  concurrent: { callers: number; rounds: number; calls: number; ms: number; portsPerSecond: number; latency: LatencySummary; duplicates: number };
  crossProcess: { ports: number[]; same: boolean } | null;
}

async function getPortVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.resolve('get-port')), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function localHostCount(): number {
  const hosts = new Set<string | undefined>([undefined, '0.0.0.0']);
  for (const addresses of Object.values(networkInterfaces())) for (const address of addresses ?? []) hosts.add(address.address);
  return hosts.size;
}

async function sequential(range: { start: number; end: number }, warmupMs: number, durationMs: number): Promise<GetPortReference['sequential']> {
  const samples: number[] = [];
  const warmupEnd = performance.now() + warmupMs;
  while (performance.now() < warmupEnd) {
    await getPort({ port: portNumbers(range.start, range.end) });
    clearLockedPorts();
  }
  const start = performance.now();
  const end = start + durationMs;
  while (performance.now() < end) {
    const t = process.hrtime.bigint();
    const port = await getPort({ port: portNumbers(range.start, range.end) });
    samples.push(msSince(t));
    clearLockedPorts();
    if (port < range.start || port > range.end) throw new Error(`get-port returned ${port}, outside ${range.start}-${range.end}`);
  }
  const ms = performance.now() - start;
  return { calls: samples.length, ms, portsPerSecond: (samples.length * 1000) / ms, latency: summarizeLatencies(samples) };
}

async function concurrent(range: { start: number; end: number }, callers: number, durationMs: number): Promise<GetPortReference['concurrent']> {
  const samples: number[] = [];
  let rounds = 0;
  let duplicates = 0;
  const start = performance.now();
  const end = start + durationMs;
  while (performance.now() < end) {
    const ports = await Promise.all(
      Array.from({ length: callers }, async () => {
        const t = process.hrtime.bigint();
        const port = await getPort({ port: portNumbers(range.start, range.end) });
        samples.push(msSince(t));
        return port;
      }),
    );
    duplicates += ports.length - new Set(ports).size;
    clearLockedPorts();
    rounds++;
  }
  const ms = performance.now() - start;
  return { callers, rounds, calls: samples.length, ms, portsPerSecond: (samples.length * 1000) / ms, latency: summarizeLatencies(samples), duplicates };
}

/** Two processes at once, same range: the port each one got. */
async function crossProcess(range: { start: number; end: number }, cwd: string): Promise<GetPortReference['crossProcess']> {
  const script = `import getPort, { portNumbers } from 'get-port'; process.stdout.write(String(await getPort({ port: portNumbers(${range.start}, ${range.end}) })));`;
  const one = (): Promise<number | null> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('error', () => resolve(null));
      child.once('close', (code) => resolve(code === 0 && /^\d+$/.test(out.trim()) ? Number(out.trim()) : null));
    });
  const ports = await Promise.all([one(), one()]);
  if (ports.some((port) => port === null)) return null;
  const got = ports as number[];
  return { ports: got, same: got[0] === got[1] };
}

export async function measureGetPort(options: {
  range: { start: number; end: number };
  warmupMs: number;
  durationMs: number;
  callers: number;
  /** Where `get-port` resolves from for the two child processes (the repository root). */
  cwd: string;
}): Promise<GetPortReference> {
  return {
    version: await getPortVersion(),
    range: options.range,
    hostsTested: localHostCount(),
    sequential: await sequential(options.range, options.warmupMs, options.durationMs),
    concurrent: await concurrent(options.range, options.callers, options.durationMs),
    crossProcess: await crossProcess(options.range, options.cwd),
  };
}
