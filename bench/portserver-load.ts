import { createConnection } from 'node:net';
import { parseArgs } from 'node:util';
import { msSince, summarizeLatencies, type LatencySummary } from './stats.js';

/**
 * `node dist-bench/bench/portserver-load.js --socket PATH --clients N --requests M [--warmup K]`:
 * portpicker's request, as fast as N concurrent workers can send it, against one portserver
 * socket. Its own process, so the load's CPU is never the bench process's (nor the server's).
 * Every request is made on behalf of this process's pid, which stays alive throughout, so no
 * server reclaims a port mid-run: each request takes a new port from the pool.
 * Prints one JSON line (PortserverLoadResult) on stdout and exits 0; a usage error exits 2.
 */
export interface PortserverLoadResult {
  clients: number;
  /** Measured requests (the warm-up ones excluded). */
  requests: number;
  warmup: number;
  ok: number;
  /** Closed without a reply: the server's only way to say no. */
  refused: number;
  /** Connect/read failures, timeouts and replies that are not a port. */
  errors: number;
  /** A port handed out twice during the measured part: never expected, each request should get a new one. */
  duplicates: number;
  /** First error messages seen, for the report. */
  errorSamples: string[];
  wallMs: number;
  requestsPerSecond: number;
  /**
   * Requests/s over the first and the second half of the measured requests (by completion): a
   * server whose cost grows with the ports it holds (every request here adds one) slows down
   * within the run, so its figure depends on the run's length.
   */
  halves: { firstPerSecond: number; secondPerSecond: number };
  /** This process's own CPU (user + system) over the measured part: on a small machine the load competes with the server for cores. */
  loadCpuMs: number;
  /** Every measured request, connect to close (refusals and errors included). */
  latency: LatencySummary;
  pid: number;
}

type Outcome = { kind: 'ok'; port: number } | { kind: 'refused' } | { kind: 'error'; message: string };

// Nothing in the protocol times out (the reference server has no deadline at all): ours does.
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_ERROR_SAMPLES = 5;
// portpicker reads the reply with one recv(1024); a longer reply is not a port.
const MAX_REPLY_BYTES = 1024;

function requestPort(socketPath: string, request: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const finish = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const socket = createConnection({ path: socketPath });
    const timer = setTimeout(() => finish({ kind: 'error', message: `no close within ${REQUEST_TIMEOUT_MS} ms` }), REQUEST_TIMEOUT_MS);
    // One write: the reference server acts on the first chunk it reads.
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes > MAX_REPLY_BYTES) finish({ kind: 'error', message: `reply longer than ${MAX_REPLY_BYTES} bytes` });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ kind: 'error', message: error.code ?? error.message }));
    // The server closes after its reply (or without one): the reply is complete at EOF.
    socket.once('end', () => finish(parseReply(Buffer.concat(chunks).toString('latin1'))));
    socket.once('close', () => finish({ kind: 'error', message: 'closed before EOF' }));
  });
}

function parseReply(text: string): Outcome {
  if (text.length === 0) return { kind: 'refused' };
  const match = /^(\d{1,5})\n$/.exec(text);
  const port = match?.[1] !== undefined ? Number(match[1]) : Number.NaN;
  // "0\n" is the other refusal portpicker understands (the reference never sends it).
  if (port === 0) return { kind: 'refused' };
  if (!Number.isInteger(port) || port > 65535) return { kind: 'error', message: `not a port: ${JSON.stringify(text.slice(0, 40))}` };
  return { kind: 'ok', port };
}

interface Tally {
  ok: number;
  refused: number;
  errors: number;
  duplicates: number;
  errorSamples: string[];
  latencies: number[];
  /** When each measured request completed, ms since the measured part started. */
  completedAtMs: number[];
  ports: Set<number>;
}

/** `total` requests spread over `clients` workers, each one connection at a time. */
async function runPhase(socketPath: string, clients: number, total: number, tally: Tally | null): Promise<void> {
  const phaseStart = process.hrtime.bigint();
  const request = Buffer.from(`${process.pid}\n`, 'latin1');
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next += 1;
      const startedAt = process.hrtime.bigint();
      const outcome = await requestPort(socketPath, request);
      if (tally === null) continue;
      tally.latencies.push(msSince(startedAt));
      tally.completedAtMs.push(msSince(phaseStart));
      if (outcome.kind === 'ok') {
        tally.ok += 1;
        if (tally.ports.has(outcome.port)) tally.duplicates += 1;
        tally.ports.add(outcome.port);
      } else if (outcome.kind === 'refused') tally.refused += 1;
      else {
        tally.errors += 1;
        if (tally.errorSamples.length < MAX_ERROR_SAMPLES) tally.errorSamples.push(outcome.message);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
}

/** Completions are pushed in order, so the middle one splits the run into two halves by count. */
function halves(completedAtMs: readonly number[], wallMs: number): PortserverLoadResult['halves'] {
  const half = Math.floor(completedAtMs.length / 2);
  const middleMs = completedAtMs[half - 1] ?? Number.NaN;
  return {
    firstPerSecond: (half * 1000) / middleMs,
    secondPerSecond: ((completedAtMs.length - half) * 1000) / (wallMs - middleMs),
  };
}

function positiveInteger(text: string | undefined, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${flag} must be an integer in ${min}..${max}, got ${text === undefined ? 'nothing' : `"${text}"`}`);
  }
  return value;
}

function parseLoadArgs(argv: readonly string[]): { socket: string; clients: number; requests: number; warmup: number } {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: { socket: { type: 'string' }, clients: { type: 'string' }, requests: { type: 'string' }, warmup: { type: 'string' } },
  });
  if (values.socket === undefined || values.socket === '') throw new Error('--socket PATH is required');
  return {
    socket: values.socket,
    clients: positiveInteger(values.clients, '--clients', 1, 1024),
    requests: positiveInteger(values.requests, '--requests', 1, 65_535),
    warmup: values.warmup === undefined ? 0 : positiveInteger(values.warmup, '--warmup', 0, 65_535),
  };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseLoadArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`portserver-load: ${(error as Error).message}\nusage: portserver-load --socket PATH --clients N --requests M [--warmup K]\n`);
    return 2;
  }
  if (args.warmup > 0) await runPhase(args.socket, args.clients, args.warmup, null);
  const tally: Tally = { ok: 0, refused: 0, errors: 0, duplicates: 0, errorSamples: [], latencies: [], completedAtMs: [], ports: new Set() };
  const cpuBefore = process.cpuUsage();
  const startedAt = process.hrtime.bigint();
  await runPhase(args.socket, args.clients, args.requests, tally);
  const wallMs = msSince(startedAt);
  const cpu = process.cpuUsage(cpuBefore);
  const result: PortserverLoadResult = {
    clients: args.clients,
    requests: args.requests,
    warmup: args.warmup,
    ok: tally.ok,
    refused: tally.refused,
    errors: tally.errors,
    duplicates: tally.duplicates,
    errorSamples: tally.errorSamples,
    wallMs,
    requestsPerSecond: (args.requests * 1000) / wallMs,
    halves: halves(tally.completedAtMs, wallMs),
    loadCpuMs: (cpu.user + cpu.system) / 1000,
    latency: summarizeLatencies(tally.latencies),
    pid: process.pid,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

process.exitCode = await main();
