import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { PortsClient } from '../src/client/client.js';
import { clockTicksPerSecond } from './daemon-process.js';
import { msSince, summarizeLatencies, type LatencySummary } from './stats.js';

/**
 * N clients, each on its own connection, each looping allocate → release (one request in flight
 * per client) against a real daemon. Every reply is durable (the daemon answers after fsync),
 * so a pair is two durable writes, shared with other clients by group commit.
 *
 * Clients run through a warm-up first; throughput counts the pairs completed inside the measured
 * window and latencies are those of requests started inside it.
 */
export interface PairsScenarioOptions {
  name: string;
  clients: number;
  warmupMs: number;
  durationMs: number;
  range: { start: number; end: number };
  connect(): Promise<PortsClient>;
  /** The daemon's utime and stime in clock ticks, to report its CPU use over the scenario. */
  daemonCpu?: () => Promise<{ user: number; system: number } | null>;
  /** Context switches of all the daemon's threads so far. */
  daemonContextSwitches?: () => Promise<number | null>;
  /** The daemon's last journal seq on disk, to count its appends (group commits) over the scenario. */
  journalSeq?: () => Promise<number | null>;
}

export interface PairsScenarioResult {
  name: string;
  clients: number;
  measuredMs: number;
  pairs: number;
  pairsPerSecond: number;
  allocate: LatencySummary;
  release: LatencySummary;
  /**
   * CPU use over the whole scenario (warm-up included), in % of one core: the daemon's, and the
   * bench process's (where every client runs). Near 100 % means that process is the limit.
   */
  cpu: { daemonPercent: number | null; benchPercent: number; daemonMainThreadBusyPercent?: number } | null;
  /** The measured window on the monotonic clock (µs), to slice a CPU profile of the daemon with. */
  windowUs: { start: number; end: number };
  /**
   * Over the whole scenario (warm-up included): requests answered (allocate + release), the
   * daemon's journal appends (one per group commit; null when unreadable), and from them
   * appends/s, requests per append, and the daemon's CPU ms per request.
   */
  work: {
    wallMs: number;
    requests: number;
    appends: number | null;
    appendsPerSecond: number | null;
    requestsPerAppend: number | null;
    daemonCpuMsPerRequest: number | null;
    /** The daemon's user-mode share of that CPU (the rest is kernel time: syscalls, the disk, sockets). */
    daemonUserShare: number | null;
    /** Context switches of all the daemon's threads per request (each hand-off to libuv's pool and back costs some). */
    daemonContextSwitchesPerRequest: number | null;
  };
  /** 1/5/15-minute load average when the scenario began. */
  loadAverage: number[];
}

interface Window {
  start: number;
  end: number;
}

interface WorkerTally {
  pairs: number;
  /** Every pair finished, warm-up included. */
  allPairs: number;
  allocateMs: number[];
  releaseMs: number[];
}

async function connectAll(count: number, connect: () => Promise<PortsClient>): Promise<PortsClient[]> {
  const settled = await Promise.allSettled(Array.from({ length: count }, () => connect()));
  const clients = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) {
    for (const client of clients) client.destroy();
    throw new Error(`Could not connect ${count} clients: ${(failed.reason as Error).message}`, { cause: failed.reason });
  }
  return clients;
}

async function runWorker(client: PortsClient, options: PairsScenarioOptions, window: Window, stopped: () => boolean): Promise<WorkerTally> {
  const tally: WorkerTally = { pairs: 0, allPairs: 0, allocateMs: [], releaseMs: [] };
  while (!stopped() && performance.now() < window.end) {
    const startedAt = performance.now();
    const inWindow = startedAt >= window.start;

    const allocateStart = process.hrtime.bigint();
    const { allocation } = await client.allocate({ pid: null, range: options.range });
    const allocateMs = msSince(allocateStart);

    const releaseStart = process.hrtime.bigint();
    const { released } = await client.release({ ports: [allocation.port] });
    const releaseMs = msSince(releaseStart);
    if (released.length !== 1 || released[0]?.port !== allocation.port) {
      throw new Error(`Releasing port ${allocation.port} released ${released.length} allocations instead of that one`);
    }

    const finishedAt = performance.now();
    tally.allPairs++;
    if (inWindow) {
      tally.allocateMs.push(allocateMs);
      tally.releaseMs.push(releaseMs);
    }
    if (finishedAt >= window.start && finishedAt <= window.end) tally.pairs++;
  }
  return tally;
}

export async function runPairsScenario(options: PairsScenarioOptions): Promise<PairsScenarioResult> {
  const clients = await connectAll(options.clients, options.connect);
  const loadAverage = loadavg();
  const seq0 = (await options.journalSeq?.()) ?? null;
  const switches0 = (await options.daemonContextSwitches?.()) ?? null;
  const cpu0 = (await options.daemonCpu?.()) ?? null;
  const usage0 = process.cpuUsage();
  const wall0 = performance.now();
  try {
    const start = performance.now() + options.warmupMs;
    const window: Window = { start, end: start + options.durationMs };
    const monotonicUs = Number(process.hrtime.bigint() / 1000n) + (start - performance.now()) * 1000;
    let failure = false;
    const outcomes = await Promise.allSettled(
      clients.map((client) =>
        runWorker(client, options, window, () => failure).catch((error: unknown) => {
          failure = true;
          throw error;
        }),
      ),
    );
    const rejected = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (rejected) throw new Error(`Scenario "${options.name}" failed: ${(rejected.reason as Error).message}`, { cause: rejected.reason });

    const tallies = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const pairs = tallies.reduce((sum, tally) => sum + tally.pairs, 0);
    const wallMs = performance.now() - wall0;
    const usage = process.cpuUsage(usage0);
    const cpu1 = cpu0 === null ? null : ((await options.daemonCpu?.()) ?? null);
    const switches1 = switches0 === null ? null : ((await options.daemonContextSwitches?.()) ?? null);
    const seq1 = options.journalSeq === undefined ? null : await options.journalSeq();
    const ticks = cpu0 !== null && cpu1 !== null ? { user: cpu1.user - cpu0.user, system: cpu1.system - cpu0.system } : null;
    const daemonCpuMs = ticks !== null ? ((ticks.user + ticks.system) * 1000) / clockTicksPerSecond() : null;
    const daemonPercent = daemonCpuMs !== null ? (daemonCpuMs / wallMs) * 100 : null;
    const requests = 2 * tallies.reduce((sum, tally) => sum + tally.allPairs, 0);
    // A fresh daemon has no journal yet: no reading before the first append means seq 0.
    const appends = seq1 !== null ? seq1 - (seq0 ?? 0) : null;
    return {
      name: options.name,
      clients: options.clients,
      measuredMs: options.durationMs,
      pairs,
      pairsPerSecond: pairs / (options.durationMs / 1000),
      allocate: summarizeLatencies(tallies.flatMap((tally) => tally.allocateMs)),
      release: summarizeLatencies(tallies.flatMap((tally) => tally.releaseMs)),
      cpu: { daemonPercent, benchPercent: ((usage.user + usage.system) / 1000 / wallMs) * 100 },
      windowUs: { start: monotonicUs, end: monotonicUs + options.durationMs * 1000 },
      work: {
        wallMs,
        requests,
        appends,
        appendsPerSecond: appends !== null ? (appends * 1000) / wallMs : null,
        requestsPerAppend: appends !== null && appends > 0 ? requests / appends : null,
        daemonCpuMsPerRequest: daemonCpuMs !== null && requests > 0 ? daemonCpuMs / requests : null,
        daemonContextSwitchesPerRequest: switches0 !== null && switches1 !== null && requests > 0 ? (switches1 - switches0) / requests : null,
        daemonUserShare: ticks !== null && ticks.user + ticks.system > 0 ? ticks.user / (ticks.user + ticks.system) : null,
      },
      loadAverage,
    };
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => client.destroy())));
  }
}

/** Clients of the warm-up run. */
export const WARM_UP_CLIENTS = 32;

/**
 * A fresh daemon needs tens of thousands of requests before V8 has optimized its hot paths: a
 * first measured run right after start reads 25–40 % lower than the same run a few seconds later.
 * So each daemon whose pairs are compared is warmed up first with this unmeasured run (reported
 * as it is, for the record).
 */
export function warmUpDaemon(options: Pick<PairsScenarioOptions, 'range' | 'connect'> & { ms: number }): Promise<PairsScenarioResult> {
  return runPairsScenario({ name: `warm-up, ${WARM_UP_CLIENTS} clients`, clients: WARM_UP_CLIENTS, warmupMs: 0, durationMs: options.ms, range: options.range, connect: options.connect });
}
