import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_SOCKET_PATH_BYTES } from '../src/shared/paths.js';
import { clockTicksPerSecond, readProcessCpuTicks, startBenchDaemon, type BenchDaemon } from './daemon-process.js';
import { running, waitForExit } from './helper-process.js';
import { readEphemeralRangeForBench } from './machine.js';
import type { PortserverLoadResult } from './portserver-load.js';

/**
 * The portserver protocol against Google's reference server (Debian's python3-portpicker
 * `/usr/bin/portserver`), same load, same run. For each client count, rounds of A/B/A/B: our
 * daemon started fresh with `portserver.socket` + `portserver.range`, then a fresh reference
 * server on the same pool, each loaded by its own process (bench/portserver-load.ts) that asks
 * for a new port per request on behalf of its own (live) pid. Fresh servers every round, so
 * every run starts with a full pool and no server ever reaches its exhaustion path (the
 * reference's costs O(pool) per request there); the request counts are checked against the pool.
 * Every request adds a port held by the load's pid, so a server whose writes grow with what it
 * holds slows down within a run: each run reports its first-half and second-half rates, and
 * figures are only comparable at the same request counts.
 * Every process started here is stopped by its pid (SIGTERM, then SIGKILL) and every temp
 * folder removed, on failure too. When the reference is not installed the result says
 * `skipped` instead of throwing.
 */
export interface PortserverComparisonOptions {
  /** Concurrent clients of the load (default [1, 16]). */
  clientCounts?: readonly number[];
  /** Measured requests per run for a client count (default: 1,500 at 1 client, 4,000 above). */
  requestsFor?: (clients: number) => number;
  /** Unmeasured requests before each measured run, on the same fresh server (default 200). */
  warmup?: number;
  /** A/B rounds per client count (default 2). */
  rounds?: number;
  /** The pool both servers hand out (default: 10,000 ports clear of the kernel's ephemeral range). */
  pool?: { start: number; end: number };
  /** Parent of the private temp folders; short, for the 107-byte socket limit (default /tmp). */
  baseDir?: string;
  /** The reference server executable (default /usr/bin/portserver). */
  referencePath?: string;
  /** Bound on one load run, warm-up included (default 120 s). */
  runTimeoutMs?: number;
  onProgress?: (text: string) => void;
}

export type ServerName = 'portkeeper' | 'portserver';

export interface PortserverRun {
  server: ServerName;
  round: number;
  serverPid: number;
  load: PortserverLoadResult;
  /** Server CPU (utime + stime) over the load process's whole life, warm-up included, per request; null when /proc cannot tell. */
  serverCpuMsPerRequest: number | null;
}

export interface ServerSummary {
  /** Median over the rounds. */
  requestsPerSecond: number;
  /** Medians over the rounds of each run's p50 / p99. */
  p50Ms: number;
  p99Ms: number;
  /** Summed over the rounds: any of these makes the comparison suspect. */
  refused: number;
  errors: number;
  duplicates: number;
  serverCpuMsPerRequest: number | null;
}

export interface PortserverComparisonRow {
  clients: number;
  requests: number;
  ours: ServerSummary;
  reference: ServerSummary;
  /** ours / reference, medians of requests/s. */
  ratio: number;
  runs: PortserverRun[];
}

export type PortserverComparison =
  | { skipped: string }
  | {
      skipped: null;
      referenceVersion: string;
      pool: { start: number; end: number };
      warmup: number;
      rounds: number;
      cpus: number;
      rows: PortserverComparisonRow[];
      /** Refusals, errors, duplicates: anything that makes a row not the plain comparison it claims to be. */
      problems: string[];
    };

const DEFAULT_REFERENCE = '/usr/bin/portserver';
const DEFAULT_CLIENTS = [1, 16];
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const PROBE_TIMEOUT_MS = 10_000;
/** A run may use at most this share of the pool: the rotation of the reference never wraps. */
const MAX_POOL_SHARE = 0.5;

// Compiled next to this file in dist-bench/bench/.
const LOAD_JS = fileURLToPath(new URL('./portserver-load.js', import.meta.url));

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Stops of everything running now (servers, load processes): for an entry's signal handler. */
const active = new Set<() => Promise<void>>();

/** Stop every server and load process this module still has running (each by its pid). Idempotent. */
export async function stopPortserverProcesses(): Promise<void> {
  await Promise.allSettled([...active].map((stop) => stop()));
}

/** `stop` runs once, however often it is called, and is tracked in `active` until then. */
function tracked(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | null = null;
  const once = (): Promise<void> => {
    stopping ??= stop().finally(() => active.delete(once));
    return stopping;
  };
  active.add(once);
  return once;
}

export function defaultPortserverRequests(clients: number): number {
  return clients === 1 ? 1500 : 4000;
}

/**
 * 10,000 ports clear of the kernel's ephemeral range (outgoing connections would make candidates
 * look busy) and of the browser-unsafe ports our daemon skips, so both pools are the same size.
 * 15000-24999 is also the reference's own default.
 */
export function choosePortserverPool(ephemeral: { start: number; end: number } | null): { start: number; end: number } {
  const candidates = [
    { start: 15000, end: 24999 },
    { start: 25000, end: 34999 },
    { start: 50000, end: 59999 },
    { start: 55536, end: 65535 },
  ];
  return candidates.find((range) => ephemeral === null || range.end < ephemeral.start || range.start > ephemeral.end) ?? { start: 15000, end: 24999 };
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ ok: error === null, output: `${stdout}${stderr}`.trim() || (error?.message ?? '') });
    });
  });
}

/** The interpreter of the reference's entry script (`#!/usr/bin/python3`); python3 when unreadable. */
async function referenceInterpreter(path: string): Promise<string> {
  const head = await readFile(path, 'utf8').then((text) => text.slice(0, 200)).catch(() => '');
  const match = /^#!\s*(\S+)/.exec(head);
  return match?.[1] ?? 'python3';
}

/** Null when the reference can run here, else why not; its version when it can. */
async function probeReference(path: string): Promise<{ skipped: string } | { skipped: null; version: string }> {
  if (!existsSync(path)) return { skipped: `${path} is not installed (apt-get install python3-portpicker)` };
  const python = await referenceInterpreter(path);
  const script = 'import portpicker, portserver, psutil, importlib.metadata as m; print(m.version("portpicker"))';
  const probe = await run(python, ['-c', script], PROBE_TIMEOUT_MS);
  if (!probe.ok) return { skipped: `${python} cannot import portpicker/portserver/psutil: ${probe.output.split('\n').slice(-1)[0] ?? ''}` };
  return { skipped: null, version: probe.output.split('\n').slice(-1)[0] ?? 'unknown' };
}

/** SIGTERM, then SIGKILL after a deadline; by the child's own pid. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || !running(child)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, STOP_TIMEOUT_MS)) return;
  child.kill('SIGKILL');
  if (!(await waitForExit(child, STOP_TIMEOUT_MS))) throw new Error(`pid ${child.pid} did not exit after SIGKILL`);
}

/** Connect and close at once: resolves when the socket accepts (the reference counts it as one client-request-error). */
function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    const timer = setTimeout(() => done(false), 1000);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForSocket(path: string, gone: () => string | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; Date.now() < deadline; delay = Math.min(delay * 2, 200)) {
    const problem = gone();
    if (problem !== null) throw new Error(problem);
    if (existsSync(path) && (await canConnect(path))) return;
    await pause(delay);
  }
  throw new Error(`nothing accepted connections on ${path} within ${timeoutMs} ms`);
}

/** A private (0700) short temp folder, for the 107-byte socket limit. */
async function privateDir(baseDir: string, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(baseDir, prefix));
  await chmod(dir, 0o700);
  return dir;
}

interface RunningServer {
  pid: number;
  socketPath: string;
  stop(): Promise<void>;
}

async function startOurs(baseDir: string, pool: { start: number; end: number }): Promise<RunningServer> {
  // Our own folder for the portserver socket, and the daemon's temp folder inside it.
  const dir = await privateDir(baseDir, 'pkps-');
  const socketPath = join(dir, 'ps.sock');
  let daemon: BenchDaemon | null = null;
  try {
    daemon = await startBenchDaemon({ baseDir: dir, config: { portserver: { socket: socketPath, range: `${pool.start}-${pool.end}` } } });
    const started = daemon;
    const stop = tracked(async () => {
      try {
        await started.stop();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
    // The main socket answering does not prove the portserver socket is up.
    await waitForSocket(socketPath, () => null, READY_TIMEOUT_MS).catch(async (error: unknown) => {
      await stop();
      throw error;
    });
    return { pid: started.pid, socketPath, stop };
  } catch (error) {
    await daemon?.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startReference(referencePath: string, baseDir: string, pool: { start: number; end: number }): Promise<RunningServer> {
  const dir = await privateDir(baseDir, 'pkpr-');
  const socketPath = join(dir, 'ps.sock');
  // It logs two INFO lines per request on stderr: to /dev/null, so a full pipe never stalls it.
  const child = spawn(referencePath, ['--portserver_address', socketPath, '--portserver_static_pool', `${pool.start}-${pool.end}`], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  let spawnError: Error | null = null;
  child.once('error', (error) => (spawnError = error));
  // It does not unlink its socket on exit: removing the folder does.
  const stop = tracked(async () => {
    try {
      await stopChild(child);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  try {
    const gone = (): string | null => {
      if (spawnError !== null) return `cannot start ${referencePath}: ${spawnError.message}`;
      return running(child) ? null : `${referencePath} exited (code ${child.exitCode}, signal ${child.signalCode})`;
    };
    await waitForSocket(socketPath, gone, READY_TIMEOUT_MS);
    if (child.pid === undefined) throw new Error(`${referencePath} has no pid`);
    return { pid: child.pid, socketPath, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** One load process against one socket; bounded by `timeoutMs`, after which it is stopped by its pid. */
async function runLoad(socketPath: string, clients: number, requests: number, warmup: number, timeoutMs: number): Promise<PortserverLoadResult> {
  const args = [LOAD_JS, '--socket', socketPath, '--clients', String(clients), '--requests', String(requests), '--warmup', String(warmup)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
  let spawnError: Error | null = null;
  child.once('error', (error) => (spawnError = error));
  const stop = tracked(() => stopChild(child));
  try {
    const exited = await waitForExit(child, timeoutMs);
    if (spawnError !== null) throw new Error(`cannot start the load process: ${(spawnError as Error).message}`);
    if (!exited) throw new Error(`the load process (pid ${child.pid}) did not finish within ${timeoutMs} ms`);
    // 'exit' may come before the last stdout chunk: wait for the pipe to close too (bounded).
    if (child.stdout && !child.stdout.readableEnded) {
      await Promise.race([new Promise((resolve) => child.stdout?.once('end', resolve)), pause(2000)]);
    }
    if (child.exitCode !== 0) throw new Error(`the load process exited with code ${child.exitCode} (signal ${child.signalCode}): ${stderr.trim()}`);
    const line = stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as PortserverLoadResult;
    } catch {
      throw new Error(`the load process printed no result: ${JSON.stringify(stdout.slice(-200))} ${stderr.trim()}`);
    }
  } finally {
    await stop();
  }
}

async function measureOnce(
  server: ServerName,
  round: number,
  clients: number,
  requests: number,
  settings: { warmup: number; pool: { start: number; end: number }; baseDir: string; referencePath: string; runTimeoutMs: number; ticksPerSecond: number },
): Promise<PortserverRun> {
  const started =
    server === 'portkeeper'
      ? await startOurs(settings.baseDir, settings.pool)
      : await startReference(settings.referencePath, settings.baseDir, settings.pool);
  try {
    const before = await readProcessCpuTicks(started.pid);
    const load = await runLoad(started.socketPath, clients, requests, settings.warmup, settings.runTimeoutMs);
    const after = await readProcessCpuTicks(started.pid);
    const cpuMs = before !== null && after !== null ? ((after - before) * 1000) / settings.ticksPerSecond : null;
    return { server, round, serverPid: started.pid, load, serverCpuMsPerRequest: cpuMs === null ? null : cpuMs / (requests + settings.warmup) };
  } finally {
    await started.stop();
  }
}

/**
 * The middle value, or the mean of the two middle ones. (stats.median is nearest-rank: with the
 * default two rounds it would report each server's slower round.)
 */
function middle(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[half] as number) : ((sorted[half - 1] as number) + (sorted[half] as number)) / 2;
}

function summarize(runs: readonly PortserverRun[]): ServerSummary {
  const cpu = runs.map((r) => r.serverCpuMsPerRequest).filter((value): value is number => value !== null);
  return {
    requestsPerSecond: middle(runs.map((r) => r.load.requestsPerSecond)),
    p50Ms: middle(runs.map((r) => r.load.latency.p50Ms)),
    p99Ms: middle(runs.map((r) => r.load.latency.p99Ms)),
    refused: runs.reduce((sum, r) => sum + r.load.refused, 0),
    errors: runs.reduce((sum, r) => sum + r.load.errors, 0),
    duplicates: runs.reduce((sum, r) => sum + r.load.duplicates, 0),
    serverCpuMsPerRequest: cpu.length === runs.length ? middle(cpu) : null,
  };
}

function runProblems(run: PortserverRun): string[] {
  const { load } = run;
  const where = `${run.server} (pid ${run.serverPid}), ${load.clients} clients, round ${run.round}`;
  const problems: string[] = [];
  if (load.refused > 0) problems.push(`${where}: ${load.refused} of ${load.requests} requests refused`);
  if (load.errors > 0) problems.push(`${where}: ${load.errors} errors (${load.errorSamples.join('; ')})`);
  if (load.duplicates > 0) problems.push(`${where}: ${load.duplicates} ports handed out twice to the same live pid`);
  return problems;
}

export async function runPortserverComparison(options: PortserverComparisonOptions = {}): Promise<PortserverComparison> {
  const referencePath = options.referencePath ?? DEFAULT_REFERENCE;
  const probe = await probeReference(referencePath);
  if (probe.skipped !== null) return { skipped: probe.skipped };

  const clientCounts = options.clientCounts ?? DEFAULT_CLIENTS;
  const requestsFor = options.requestsFor ?? defaultPortserverRequests;
  const warmup = options.warmup ?? 200;
  const rounds = options.rounds ?? 2;
  const pool = options.pool ?? choosePortserverPool(await readEphemeralRangeForBench());
  const baseDir = options.baseDir ?? '/tmp';
  const progress = options.onProgress ?? (() => undefined);

  const poolSize = pool.end - pool.start + 1;
  for (const clients of clientCounts) {
    const requests = requestsFor(clients);
    if (!Number.isInteger(clients) || clients < 1) throw new Error(`client counts must be positive integers, got ${clients}`);
    if (!Number.isInteger(requests) || requests < 1) throw new Error(`the request count at ${clients} clients must be a positive integer, got ${requests}`);
    if (requests + warmup > poolSize * MAX_POOL_SHARE) {
      throw new Error(`${requests} requests + ${warmup} warm-up at ${clients} clients would take more than ${MAX_POOL_SHARE * 100} % of the ${poolSize}-port pool`);
    }
  }
  // The daemon's temp folder sits inside ours: pkps-XXXXXX/pkb-XXXXXX/run/ports.sock.
  const longest = join(baseDir, 'pkps-XXXXXX', 'pkb-XXXXXX', 'run', 'ports.sock');
  if (Buffer.byteLength(longest) > MAX_SOCKET_PATH_BYTES) throw new Error(`baseDir ${baseDir} is too long for Unix socket paths (${MAX_SOCKET_PATH_BYTES} bytes)`);

  const settings = { warmup, pool, baseDir, referencePath, runTimeoutMs: options.runTimeoutMs ?? 120_000, ticksPerSecond: clockTicksPerSecond() };
  const rows: PortserverComparisonRow[] = [];
  const problems: string[] = [];
  for (const clients of clientCounts) {
    const requests = requestsFor(clients);
    const runs: PortserverRun[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      for (const server of ['portkeeper', 'portserver'] as const) {
        progress(`portserver protocol: ${server}, ${clients} client${clients === 1 ? '' : 's'}, round ${round}/${rounds} (${requests} requests + ${warmup} warm-up)…`);
        const result = await measureOnce(server, round, clients, requests, settings);
        problems.push(...runProblems(result));
        runs.push(result);
      }
    }
    const ours = summarize(runs.filter((r) => r.server === 'portkeeper'));
    const reference = summarize(runs.filter((r) => r.server === 'portserver'));
    rows.push({ clients, requests, ours, reference, ratio: ours.requestsPerSecond / reference.requestsPerSecond, runs });
  }
  return { skipped: null, referenceVersion: probe.version, pool, warmup, rounds, cpus: cpus().length, rows, problems };
}
