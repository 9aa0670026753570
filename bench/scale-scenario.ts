import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { PortsClient } from '../src/client/client.js';
import { isPortsError } from '../src/errors.js';
import { parseListenTable } from '../src/system/socket-table.js';
import type { CycleReport } from '../src/health/monitor.js';
import type { HealthStatistics } from '../src/protocol/results.js';
import { clockTicksPerSecond, readStateSizes, type BenchDaemon } from './daemon-process.js';

export { clockTicksPerSecond };
import { startHelper, type HelperProcess } from './helper-process.js';
import { runPairsScenario, WARM_UP_CLIENTS, warmUpDaemon, type PairsScenarioResult } from './pairs-scenario.js';
import { msSince, percentile, summarizeLatencies, type LatencySummary } from './stats.js';

/**
 * The HealthMonitor at scale, against a real daemon process started with `scaleDaemonConfig()`:
 *
 * 1. Live allocations: a helper process (bench/listener-child.ts) owns them and listens on each
 *    port on 127.0.0.1 right after it is allocated (allocate first: the daemon bind-tests the
 *    port), so every cycle runs the process check and the LISTEN-table check. When the helper's
 *    open-files limit cannot be raised far enough, the allocations are made with
 *    `listenCheck: false` instead and the report says so.
 * 2. For each size (default 1,000 then 10,000; the daemon keeps the earlier ones): wait for the
 *    first cycle that started after the last allocation (it also writes the health changes),
 *    then collect the next N distinct cycles from `status().health.last_cycle` (a cheap status
 *    filtered to a service that does not exist), and the daemon's CPU time over those cycles
 *    from /proc/<pid>/stat (utime + stime).
 * 0. Before the first allocation: durable allocate+release pairs (reservations, pid null, in the
 *    pairs range) with none held, in this same daemon: the reference of the "pairs with 10,000
 *    held" target, measured minutes (not a run) apart from it.
 * 3. At the largest size: `status` latency on one connection — counts only (`summary: true`),
 *    one page (`limit`), and the full list — and the daemon's RSS after all of that.
 * 3b. At every size: the same pairs on top of the live allocations (1 and 32 clients by default).
 * 4. Owner death: a second helper owns a few `listenCheck: false` allocations and is SIGKILLed;
 *    the time until they are gone from `status` (polled every 20 ms) is compared with
 *    check_interval × max_failures + 1 s.
 */
export interface ScaleSettings {
  counts: number[];
  cycles: number;
  statusRequests: number;
  checkIntervalMs: number;
  maxFailures: number;
  ownerDeathPorts: number;
  ranges: Array<{ start: number; end: number }>;
  /** Pairs measured at every size (null: none). */
  pairs: SizedPairsSettings | null;
  /** Unmeasured pairs before the first measured ones (JIT warm-up), ms; 0: none. */
  warmUpMs: number;
}

export interface SizedPairsSettings {
  range: { start: number; end: number };
  clients: number[];
  warmupMs: number;
  durationMs: number;
}

/** One health cycle as the daemon reports it (health.last_cycle, in the monitor's own shape). */
export type CycleSample = Omit<CycleReport, 'unknownChecks'>;

export interface ScaleLevel {
  allocations: number;
  fill: { added: number; ms: number; allocate: LatencySummary };
  /** The first cycle that started after the last allocation (it writes the new health records). */
  firstCycle: CycleSample;
  cycles: CycleSample[];
  cycleMedianMs: number;
  cycleMaxMs: number;
  /** Daemon CPU time (utime + stime) over the measured cycles; null when /proc cannot tell. */
  cpu: { windowMs: number; cpuMs: number; percent: number; perCycleMs: number } | null;
  /**
   * What the cycle's LISTEN-table step costs at this size, measured in the bench process with the
   * daemon's own parser: read /proc/net/tcp and tcp6 and parse them (median of 5); null off Linux.
   */
  listenTable: { ms: number; bytes: number; listening: number } | null;
  /** Daemon VmRSS right after the measured cycles, MiB. */
  rssMb: number | null;
  /** The state files at this size (snapshot and journal). */
  stateBytes: { snapshotBytes: number | null; journalBytes: number };
  /** Durable allocate+release pairs at this size (one entry per client count). */
  pairs: PairsScenarioResult[];
  /** Anything that makes the level's figures doubtful (unhealthy allocations, reclaims…). */
  problems: string[];
}

export interface ScaleResult {
  settings: ScaleSettings;
  ownerPid: number;
  /** 'listening': every allocation's port was listened on; otherwise why the listen check was off. */
  listenMode: 'listening' | 'listenCheck:false';
  listenNote: string;
  helperFdLimit: number | null;
  levels: ScaleLevel[];
  /** The unmeasured warm-up run before those (null: none). */
  warmUp: PairsScenarioResult | null;
  /** Pairs with no allocation held, in this daemon, before the first fill (one entry per client count). */
  emptyPairs: PairsScenarioResult[];
  /** Round trips as the client sees them; `clientParseMs` is the client's JSON.parse of one reply (best of 5). */
  status: StatusMeasurement;
  /** `status({summary: true})`: counts only, no allocation list. */
  statusSummary: StatusMeasurement;
  /** `status({limit: STATUS_PAGE})`: the first page. */
  statusPage: StatusMeasurement & { limit: number };
  /** The state files at the largest size. */
  stateBytes: { snapshotBytes: number | null; journalBytes: number };
  /** 1/5/15-minute load average when the scale run began (other work on the host skews the cycles). */
  loadAverage: number[];
  /** Daemon VmRSS before the first allocation, MiB. */
  rssAtStartMb: number | null;
  /** VmRSS / VmHWM at the largest size after its cycles, pairs and every status request (the RSS target's reading). */
  memory: { allocations: number; rssMb: number; peakRssMb: number } | null;
  /** Where the daemon's memory is, from its own metrics (prom-client defaults), in MiB; null when absent. */
  heap: { usedMb: number; totalMb: number; externalMb: number | null } | null;
  ownerDeath: { ports: number; releaseMs: number; targetMs: number; reasons: string[] };
}

export interface StatusMeasurement {
  allocations: number;
  latency: LatencySummary;
  replyBytes: number;
  clientParseMs: number;
}

export function scaleDaemonConfig(settings: Pick<ScaleSettings, 'checkIntervalMs' | 'maxFailures'>): Record<string, unknown> {
  return {
    health_monitoring: { check_interval_ms: settings.checkIntervalMs, max_failures: settings.maxFailures, startup_grace_ms: 0 },
  };
}

const CONCURRENCY = 64;
/** Allocations per page in the paged status measurement (about a screenful for the CLI's table). */
export const STATUS_PAGE = 100;
const CONNECTIONS = 4;
/** A service no allocation has: `status` then returns the statistics without the allocation list. */
const PROBE_SERVICE = 'pkb-no-such-service';
const DEATH_OWNER = 'pkb-owner-death';
const DEATH_POLL_MS = 20;
const MAX_LISTEN_FAILURES = 100;
/** Sockets the helper needs besides the listening ones (IPC, stdio, libuv). */
const FD_HEADROOM = 200;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));


function median(values: readonly number[]): number {
  return percentile(Float64Array.from(values).sort(), 50);
}

interface FillState {
  allocated: number[];
  rangeIndex: number;
  serial: number;
  listenFailures: number;
}

/** One allocation from the current range (moving on when it is full), then listened on when asked. */
async function allocateOne(
  client: PortsClient,
  options: { helper: HelperProcess; listen: boolean; ranges: ScaleSettings['ranges']; state: FillState; samples: number[]; owner?: string },
): Promise<number> {
  const { state, ranges } = options;
  for (;;) {
    const index = state.rangeIndex;
    const range = ranges[index];
    if (range === undefined) throw new Error(`The bench's port ranges are full after ${state.allocated.length} allocations`);
    const started = process.hrtime.bigint();
    let port: number;
    try {
      const result = await client.allocate({
        pid: options.helper.pid,
        range,
        listenCheck: options.listen,
        service: `pkb-scale-${++state.serial}`,
        ...(options.owner !== undefined ? { owner: options.owner } : {}),
      });
      port = result.allocation.port;
    } catch (error) {
      if (isPortsError(error) && error.code === 'E_NO_FREE_PORT') {
        if (state.rangeIndex === index) state.rangeIndex++;
        continue;
      }
      throw error;
    }
    options.samples.push(msSince(started));
    if (!options.listen) return port;
    const problem = await options.helper.listen(port);
    if (problem === null) return port;
    // Someone else took it between the daemon's bind test and our listen: give it back.
    await client.release({ ports: [port] });
    if (++state.listenFailures > MAX_LISTEN_FAILURES) throw new Error(`Could not listen on ${state.listenFailures} allocated ports (last: ${port}, ${problem})`);
  }
}

async function fill(
  clients: readonly PortsClient[],
  target: number,
  options: { helper: HelperProcess; listen: boolean; ranges: ScaleSettings['ranges']; state: FillState },
): Promise<ScaleLevel['fill']> {
  const before = options.state.allocated.length;
  const samples: number[] = [];
  let inFlight = 0;
  let failed = false;
  const started = performance.now();
  const worker = async (client: PortsClient): Promise<void> => {
    while (!failed && options.state.allocated.length + inFlight < target) {
      inFlight++;
      try {
        options.state.allocated.push(await allocateOne(client, { ...options, samples }));
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        inFlight--;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: CONCURRENCY }, (_, i) => worker(clients[i % clients.length] as PortsClient)));
  const rejected = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (rejected) throw new Error(`Filling to ${target} allocations failed: ${(rejected.reason as Error).message}`, { cause: rejected.reason });
  return { added: options.state.allocated.length - before, ms: performance.now() - started, allocate: summarizeLatencies(samples) };
}

function toSample(cycle: NonNullable<HealthStatistics['last_cycle']>): CycleSample {
  return {
    startedAt: cycle.started_at,
    durationMs: cycle.duration_ms,
    checked: cycle.checked,
    healthy: cycle.healthy,
    unhealthy: cycle.unhealthy,
    unknown: cycle.unknown,
    released: cycle.released,
  };
}

/**
 * The next `count` distinct cycles that started at or after `afterWallMs` (daemon and bench share
 * the host clock). Polls a cheap status several times per interval, so no cycle is missed.
 */
export async function collectCycles(client: PortsClient, count: number, afterWallMs: number, intervalMs: number): Promise<CycleSample[]> {
  // A cycle's report stays visible for a whole interval: four polls per interval see every one.
  const pollMs = Math.max(50, Math.min(250, Math.floor(intervalMs / 4)));
  const deadline = performance.now() + (count + 2) * intervalMs * 3 + 10_000;
  const seen = new Set<string>();
  const out: CycleSample[] = [];
  while (out.length < count) {
    if (performance.now() > deadline) throw new Error(`Only ${out.length} of ${count} health cycles were seen in time: is the HealthMonitor running?`);
    const { health } = await client.status({ service: PROBE_SERVICE });
    const cycle = health.last_cycle;
    if (cycle && !seen.has(cycle.started_at) && Date.parse(cycle.started_at) >= afterWallMs) {
      seen.add(cycle.started_at);
      out.push(toSample(cycle));
    }
    if (out.length < count) await pause(pollMs);
  }
  return out;
}

async function measureListenTable(): Promise<ScaleLevel['listenTable']> {
  const samples: number[] = [];
  let bytes = 0;
  let listening = 0;
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    const texts = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((file) => readFile(file, 'utf8').catch(() => null)));
    if (texts.every((text) => text === null)) return null;
    const entries = texts.flatMap((text) => (text === null ? [] : parseListenTable(text)));
    const ports = new Set(entries.map((entry) => entry.port));
    samples.push(msSince(started));
    bytes = texts.reduce((sum, text) => sum + (text?.length ?? 0), 0);
    listening = ports.size;
  }
  return { ms: median(samples), bytes, listening };
}

/** A few gauges from the daemon's Prometheus text (prom-client default metrics, `ports_` prefix). */
export async function readHeap(client: PortsClient): Promise<ScaleResult['heap']> {
  const { text } = await client.metrics();
  const gauge = (name: string): number | null => {
    const match = new RegExp(`^(?:ports_)?${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    const value = match?.[1] !== undefined ? Number(match[1]) : Number.NaN;
    return Number.isFinite(value) ? value / 1024 / 1024 : null;
  };
  const usedMb = gauge('nodejs_heap_size_used_bytes');
  const totalMb = gauge('nodejs_heap_size_total_bytes');
  if (usedMb === null || totalMb === null) return null;
  return { usedMb, totalMb, externalMb: gauge('nodejs_external_memory_bytes') };
}

/**
 * Wait for the first cycle after `afterWallMs`, then watch `count` more, measuring the daemon's
 * CPU over that window; every cycle must have checked all `allocations` and found them healthy.
 */
export async function watchCycles(
  client: PortsClient,
  daemon: BenchDaemon,
  options: { count: number; afterWallMs: number; intervalMs: number; allocations: number; ticksPerSecond: number },
): Promise<{ firstCycle: CycleSample; cycles: CycleSample[]; cpu: ScaleLevel['cpu']; problems: string[] }> {
  const [firstCycle] = await collectCycles(client, 1, options.afterWallMs, options.intervalMs);
  if (firstCycle === undefined) throw new Error('no health cycle after the allocations');
  const ticks0 = await daemon.readCpuTicks();
  const t0 = performance.now();
  const cycles = await collectCycles(client, options.count, Date.parse(firstCycle.startedAt) + 1, options.intervalMs);
  const ticks1 = await daemon.readCpuTicks();
  const windowMs = performance.now() - t0;
  const cpuMs = ticks0 !== null && ticks1 !== null ? ((ticks1 - ticks0) * 1000) / options.ticksPerSecond : null;
  const cpu = cpuMs === null ? null : { windowMs, cpuMs, percent: (cpuMs / windowMs) * 100, perCycleMs: cpuMs / cycles.length };
  const problems: string[] = [];
  for (const cycle of [firstCycle, ...cycles]) {
    if (cycle.checked < options.allocations) problems.push(`cycle ${cycle.startedAt} checked ${cycle.checked} < ${options.allocations} allocations`);
    if (cycle.unhealthy > 0 || cycle.released > 0) problems.push(`cycle ${cycle.startedAt}: ${cycle.unhealthy} unhealthy, ${cycle.released} released`);
  }
  return { firstCycle, cycles, cpu, problems };
}

async function measureLevel(
  client: PortsClient,
  daemon: BenchDaemon,
  allocations: number,
  fillResult: ScaleLevel['fill'],
  settings: ScaleSettings,
  ticksPerSecond: number,
): Promise<ScaleLevel> {
  const { firstCycle, cycles, cpu, problems } = await watchCycles(client, daemon, {
    count: settings.cycles,
    afterWallMs: Date.now(),
    intervalMs: settings.checkIntervalMs,
    allocations,
    ticksPerSecond,
  });
  const durations = cycles.map((cycle) => cycle.durationMs);
  const listenTable = await measureListenTable();
  const memory = await daemon.readMemory();
  const stateBytes = await readStateSizes(daemon.stateDir);
  const pairs = settings.pairs === null ? [] : await measureSizedPairs(daemon, allocations, settings.pairs);
  return {
    allocations,
    fill: fillResult,
    firstCycle,
    cycles,
    cycleMedianMs: median(durations),
    cycleMaxMs: Math.max(...durations),
    cpu,
    listenTable,
    rssMb: memory?.rssMb ?? null,
    stateBytes,
    pairs,
    problems,
  };
}

/** Durable allocate+release pairs (reservations) while `allocations` others are held. */
export async function measureSizedPairs(daemon: BenchDaemon, allocations: number, settings: SizedPairsSettings): Promise<PairsScenarioResult[]> {
  const out: PairsScenarioResult[] = [];
  for (const clients of settings.clients) {
    out.push(
      await runPairsScenario({
        name: `${clients} client${clients === 1 ? '' : 's'} ${allocations === 0 ? 'with none held' : `with ${allocations.toLocaleString('en-US')} held`}`,
        clients,
        warmupMs: settings.warmupMs,
        durationMs: settings.durationMs,
        range: settings.range,
        connect: () => daemon.connect(),
        daemonCpu: () => daemon.readCpuSplit(),
        daemonContextSwitches: () => daemon.readContextSwitches(),
        journalSeq: () => daemon.readJournalSeq(),
      }),
    );
  }
  return out;
}

/** `requests` status round trips with these params on one connection (default: the full list). */
export async function measureStatus(client: PortsClient, requests: number, params: Parameters<PortsClient['status']>[0] = {}): Promise<StatusMeasurement> {
  const samples: number[] = [];
  let reply = '';
  let allocations = 0;
  for (let i = 0; i < requests; i++) {
    const started = process.hrtime.bigint();
    const result = await client.status(params);
    samples.push(msSince(started));
    if (i === 0) {
      reply = JSON.stringify(result);
      allocations = params.summary === true ? result.summary.total : result.allocations.length;
    }
  }
  const parses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    JSON.parse(reply);
    parses.push(msSince(started));
  }
  return { latency: summarizeLatencies(samples), replyBytes: Buffer.byteLength(reply), allocations, clientParseMs: Math.min(...parses) };
}

async function measureOwnerDeath(
  client: PortsClient,
  settings: ScaleSettings,
  state: FillState,
): Promise<ScaleResult['ownerDeath']> {
  const targetMs = settings.checkIntervalMs * settings.maxFailures + 1000;
  const owner = await startHelper();
  try {
    const ports: number[] = [];
    const samples: number[] = [];
    for (let i = 0; i < settings.ownerDeathPorts; i++) {
      ports.push(await allocateOne(client, { helper: owner, listen: false, ranges: settings.ranges, state, samples, owner: DEATH_OWNER }));
    }
    const held = await client.status({ owner: DEATH_OWNER });
    if (held.allocations.length !== ports.length) throw new Error(`owner-death: ${held.allocations.length} of ${ports.length} allocations visible before the kill`);

    const killedAt = await owner.kill();
    const deadline = killedAt + targetMs * 2 + 5000;
    let releaseMs = Number.POSITIVE_INFINITY;
    for (;;) {
      const { allocations } = await client.status({ owner: DEATH_OWNER });
      const now = performance.now();
      if (allocations.length === 0) {
        releaseMs = now - killedAt;
        break;
      }
      if (now > deadline) break;
      await pause(DEATH_POLL_MS);
    }
    // The allocations leave memory (and `status`) before the release is durable; the history
    // records them once it is, so give it a moment.
    let reasons: string[] = [];
    for (let i = 0; i < 50 && reasons.length === 0 && Number.isFinite(releaseMs); i++) {
      const { recentReleases } = await client.status({ service: PROBE_SERVICE });
      reasons = [...new Set(recentReleases.filter((record) => ports.includes(record.allocation.port)).map((record) => String(record.reason)))];
      if (reasons.length === 0) await pause(DEATH_POLL_MS);
    }
    return { ports: ports.length, releaseMs, targetMs, reasons };
  } finally {
    await owner.stop().catch(() => undefined);
  }
}

export async function runScaleScenario(
  daemon: BenchDaemon,
  settings: ScaleSettings,
  progress: (text: string) => void,
): Promise<ScaleResult> {
  const largest = Math.max(...settings.counts);
  const loadAverage = loadavg();
  const helper = await startHelper({ fdLimit: largest + FD_HEADROOM });
  const clients: PortsClient[] = [];
  try {
    const listen = helper.fdLimit !== null && helper.fdLimit >= largest + FD_HEADROOM;
    const listenNote = listen
      ? `every port listened on by helper pid ${helper.pid} (open-files limit ${helper.fdLimit})`
      : `helper pid ${helper.pid} has an open-files limit of ${helper.fdLimit ?? 'unknown'} < ${largest + FD_HEADROOM} even after \`ulimit -n\`: ` +
        'allocations made with listenCheck:false, so the cycles below skip the LISTEN-table check';
    for (let i = 0; i < CONNECTIONS; i++) clients.push(await daemon.connect());
    const client = clients[0] as PortsClient;
    const rssAtStartMb = (await daemon.readMemory())?.rssMb ?? null;
    const ticksPerSecond = clockTicksPerSecond();
    const state: FillState = { allocated: [], rangeIndex: 0, serial: 0, listenFailures: 0 };

    let emptyPairs: PairsScenarioResult[] = [];
    let warmUp: PairsScenarioResult | null = null;
    if (settings.pairs !== null) {
      if (settings.warmUpMs > 0) {
        progress(`scale: warming the daemon up (${WARM_UP_CLIENTS} clients, ${settings.warmUpMs} ms, not measured)…`);
        warmUp = await warmUpDaemon({ range: settings.pairs.range, connect: () => daemon.connect(), ms: settings.warmUpMs });
      }
      progress(`scale: pairs with no allocation held (${settings.pairs.clients.join(', ')} clients), the reference for the pairs on top…`);
      emptyPairs = await measureSizedPairs(daemon, 0, settings.pairs);
    }

    const levels: ScaleLevel[] = [];
    for (const count of [...settings.counts].sort((a, b) => a - b)) {
      progress(`scale: allocating up to ${count} live allocations${listen ? ' and listening on each' : ' (listenCheck:false)'}…`);
      const filled = await fill(clients, count, { helper, listen, ranges: settings.ranges, state });
      progress(`scale: ${count} allocations in ${(filled.ms / 1000).toFixed(1)} s; watching ${settings.cycles} health cycles…`);
      levels.push(await measureLevel(client, daemon, state.allocated.length, filled, settings, ticksPerSecond));
    }

    progress(
      `scale: status over ${state.allocated.length} allocations: ${settings.statusRequests * 4} with summary: true, ` +
        `${settings.statusRequests} pages of ${STATUS_PAGE}, ${settings.statusRequests} full lists…`,
    );
    const statusSummary = await measureStatus(client, settings.statusRequests * 4, { summary: true });
    const statusPage = { ...(await measureStatus(client, settings.statusRequests, { limit: STATUS_PAGE })), limit: STATUS_PAGE };
    const status = await measureStatus(client, settings.statusRequests);
    const memory = await daemon.readMemory();
    const heap = await readHeap(client).catch(() => null);
    const stateBytes = await readStateSizes(daemon.stateDir);

    progress(`scale: owner death (SIGKILL) with ${state.allocated.length} allocations held, until release…`);
    const ownerDeath = await measureOwnerDeath(client, settings, state);

    return {
      settings,
      ownerPid: helper.pid,
      listenMode: listen ? 'listening' : 'listenCheck:false',
      listenNote,
      helperFdLimit: helper.fdLimit,
      levels,
      warmUp,
      emptyPairs,
      status,
      statusSummary,
      statusPage,
      memory: memory && { allocations: state.allocated.length, ...memory },
      heap,
      stateBytes,
      loadAverage,
      rssAtStartMb,
      ownerDeath,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => c.destroy())));
    await helper.stop().catch(() => undefined);
  }
}
