import type { Baseline } from './baseline.js';
import type { ColdStartResult } from './cli-cold-start.js';
import type { GetPortReference } from './get-port-reference.js';
import type { LargeStateResult } from './large-state-scenario.js';
import type { PairsScenarioResult } from './pairs-scenario.js';
import type { PortserverComparison } from './portserver-scenario.js';
import type { ScaleResult } from './scale-scenario.js';

/**
 * The figures the bench reports. The contract's targets (shared/design/PRODUCT.md, "Targets")
 * are ratios: each target figure is compared with a reference — another figure of the same run
 * (the disk floor, the 1-client rate, Google's portserver, Node's own start…) or, for the
 * absolute limits, the limit itself — and carries the ratio and whether it is met. Every other
 * figure is informational (no target). Pure.
 */
export type Unit = 'pairs/s' | 'req/s' | 'ports/s' | 'appends/s' | 'req/append' | 'count' | 'ms' | 'µs' | 'MiB' | 'MB' | '%' | 'KB';

export interface Reference {
  /** What the figure is compared with, e.g. "disk floor" or "limit". */
  label: string;
  value: number;
  unit: Unit;
}

export interface Target {
  comparison: 'at least' | 'at most';
  /** Met when value ≥ (or ≤) factor × reference.value. */
  factor: number;
  /** 'relative': the reference is another figure of this run; 'absolute': it is the contract's limit (factor 1). */
  kind: 'relative' | 'absolute';
  reference: Reference;
}

export interface Figure {
  id: string;
  metric: string;
  value: number;
  unit: Unit;
  target: Target | null;
  /** value / reference.value; null without a target. */
  ratio: number | null;
  /** null when the figure has no target. */
  met: boolean | null;
  /** The contract row it answers (a key of CONTRACT_ROWS); null for informational figures. */
  contract: string | null;
  /** Which detail table it belongs in. */
  group: string;
  /** A short remark printed beside it in the Targets table (how it was read, caveats). */
  note?: string;
}

/** The contract's target rows, in the contract's order. */
export const CONTRACT_ROWS: ReadonlyArray<{ key: string; what: string; target: string }> = [
  { key: 'pairs.c1', what: 'durable allocate+release pairs/s, 1 client on one connection', target: '≥ 0.5 × disk floor' },
  { key: 'pairs.c32.scaling', what: 'durable pairs/s, 32 concurrent clients', target: '≥ 8 × the 1-client rate' },
  { key: 'pairs.c32.absolute', what: 'durable pairs/s, 32 concurrent clients (absolute, "on a quiet host")', target: '≥ 8,000' },
  { key: 'pairs.held10k', what: 'durable pairs/s at 32 clients with 10,000 allocations held', target: '≥ 0.7 × the rate with none held' },
  { key: 'portserver.c1', what: "portserver protocol against Google's portserver, 1 client", target: '≥ 0.8 ×' },
  { key: 'portserver.c16', what: "portserver protocol against Google's portserver, 16 clients", target: '≥ 2 ×' },
  { key: 'latency.c32', what: 'allocate latency p99 at 32 clients', target: "≤ 5 × the disk's fdatasync p99" },
  { key: 'health.cycle10k', what: 'one health cycle over 10,000 live allocations', target: '≤ 150 ms wall' },
  { key: 'status.summary10k', what: '`status` over 10,000 allocations: summary', target: '≤ 5 ms' },
  { key: 'status.full10k', what: '`status` over 10,000 allocations: full list', target: '≤ 50 ms' },
  { key: 'rss.10k', what: 'daemon RSS with 10,000 allocations', target: '≤ 100 MB' },
  { key: 'rss.50k', what: 'daemon RSS with 50,000 allocations', target: '≤ 250 MB' },
  { key: 'startup.50k', what: 'daemon start-up on 50,000 allocations', target: '≤ 1 s' },
  { key: 'cli.cold', what: '`ports allocate` cold start (spawn to exit)', target: '≤ 1.3 × `node` running an empty file' },
  { key: 'owner.death', what: 'time from owner death to release', target: '≤ check_interval × max_failures + 1 s' },
];

/** A contract row and what answers it: the figure, or why there is none in this run. */
export interface TargetRow {
  key: string;
  what: string;
  target: string;
  figure: Figure | null;
  /** Why the row was not measured (null when it was). */
  skipped: string | null;
}

function evaluate(value: number, target: Target | null): { ratio: number | null; met: boolean | null } {
  if (target === null) return { ratio: null, met: null };
  const ratio = value / target.reference.value;
  if (!Number.isFinite(value) || !Number.isFinite(ratio)) return { ratio: Number.isFinite(ratio) ? ratio : null, met: false };
  return { ratio, met: target.comparison === 'at least' ? ratio >= target.factor : ratio <= target.factor };
}

/** An informational figure (no target). */
function info(group: string, id: string, metric: string, value: number, unit: Unit): Figure {
  return { id, metric, value, unit, target: null, ratio: null, met: null, contract: null, group };
}

function targetFigure(contract: string, metric: string, value: number, unit: Unit, target: Target, note?: string): Figure {
  return { id: `target.${contract}`, metric, value, unit, target, ...evaluate(value, target), contract, group: 'targets', ...(note !== undefined ? { note } : {}) };
}

const relative = (comparison: Target['comparison'], factor: number, reference: Reference): Target => ({ comparison, factor, kind: 'relative', reference });
const absolute = (comparison: Target['comparison'], value: number, unit: Unit): Target => ({
  comparison,
  factor: 1,
  kind: 'absolute',
  reference: { label: 'limit', value, unit },
});

/** The contract's scale targets hold "over 10,000" / "with 50,000" allocations. */
const SCALE_TARGET_ALLOCATIONS = 10_000;
const LARGE_TARGET_ALLOCATIONS = 50_000;
/** MiB → decimal MB (the contract's MB). */
const MIB_TO_MB = 1.048576;

const count = (n: number): string => n.toLocaleString('en-US');
const rate = (n: number): string => Math.round(n).toLocaleString('en-US');
const loads = (l: readonly number[]): string => l.map((n) => n.toFixed(2)).join(' ');

export interface TargetInputs {
  baseline: Baseline;
  scenarios: readonly PairsScenarioResult[];
  scale: ScaleResult | null;
  large: LargeStateResult | null;
  portserver: PortserverComparison | null;
  cli: ColdStartResult | null;
  /** Why a part was not run (the option that turned it off), by part. */
  notRun: { scale?: string; large?: string; portserver?: string; cli?: string };
}

/**
 * The contract's rows, each with its figure and reference from this run, in the contract's order;
 * a row that could not be measured says why.
 */
export function targetRows(inputs: TargetInputs): TargetRow[] {
  const { baseline, scenarios, scale, large, portserver, cli, notRun } = inputs;
  const floor = baseline.floor;
  const byClients = (n: number): PairsScenarioResult | undefined => scenarios.find((s) => s.clients === n);
  const c1 = byClients(1);
  const c32 = byClients(32);
  const figures = new Map<string, Figure>();
  const skipped = new Map<string, string>();
  const put = (figure: Figure): void => void figures.set(figure.contract as string, figure);

  // 1. One client against the disk floor.
  if (c1 !== undefined) {
    put(
      targetFigure('pairs.c1', 'durable allocate+release pairs/s, 1 client, 1 connection', c1.pairsPerSecond, 'pairs/s', relative('at least', 0.5, { label: 'disk floor', value: floor.pairsPerSecond, unit: 'pairs/s' }),
        `floor = 1000 / (2 × ${floor.p50Ms.toFixed(3)} ms, the p50 of an O_DSYNC append)`),
    );
  } else skipped.set('pairs.c1', 'no 1-client run (--clients)');

  // 2. 32 clients: scaling over one client, and the absolute rate.
  if (c32 !== undefined && c1 !== undefined) {
    put(targetFigure('pairs.c32.scaling', 'durable pairs/s, 32 clients', c32.pairsPerSecond, 'pairs/s', relative('at least', 8, { label: '1-client rate', value: c1.pairsPerSecond, unit: 'pairs/s' })));
  } else skipped.set('pairs.c32.scaling', 'needs the 1- and 32-client runs (--clients)');
  if (c32 !== undefined) {
    put(targetFigure('pairs.c32.absolute', 'durable pairs/s, 32 clients', c32.pairsPerSecond, 'pairs/s', absolute('at least', 8000, 'pairs/s'), `load average ${loads(c32.loadAverage)} at its start (2 CPUs)`));
  } else skipped.set('pairs.c32.absolute', 'no 32-client run (--clients)');

  // 3. 32 clients on top of 10,000 held, against 32 clients with none held (both in the scale daemon).
  const level10k = scale?.levels.find((level) => level.allocations >= SCALE_TARGET_ALLOCATIONS);
  const held32 = level10k?.pairs.find((p) => p.clients === 32);
  const empty32 = scale?.emptyPairs.find((p) => p.clients === 32);
  if (held32 !== undefined && empty32 !== undefined && level10k !== undefined) {
    put(
      targetFigure('pairs.held10k', `durable pairs/s, 32 clients, ${count(level10k.allocations)} held`, held32.pairsPerSecond, 'pairs/s',
        relative('at least', 0.7, { label: 'none held', value: empty32.pairsPerSecond, unit: 'pairs/s' }),
        'both in the scale daemon (health cycle every 1 s), same window length'),
    );
  } else skipped.set('pairs.held10k', scale === null ? (notRun.scale ?? 'no scale run') : level10k === undefined ? `--scale stops below ${count(SCALE_TARGET_ALLOCATIONS)}` : 'no 32-client pairs on top');

  // 4. The portserver protocol against Google's portserver.
  for (const [key, clients, factor] of [['portserver.c1', 1, 0.8], ['portserver.c16', 16, 2]] as const) {
    if (portserver === null) skipped.set(key, notRun.portserver ?? 'not run');
    else if (portserver.skipped !== null) skipped.set(key, `skipped: ${portserver.skipped}`);
    else {
      const row = portserver.rows.find((r) => r.clients === clients);
      if (row === undefined) skipped.set(key, `no ${clients}-client run`);
      else
        put(
          targetFigure(key, `portserver protocol requests/s, ${clients} client${clients === 1 ? '' : 's'}`, row.ours.requestsPerSecond, 'req/s',
            relative('at least', factor, { label: `Google portserver ${portserver.referenceVersion}`, value: row.reference.requestsPerSecond, unit: 'req/s' }),
            `${row.requests} requests, median of ${portserver.rounds} A/B round${portserver.rounds === 1 ? '' : 's'}`),
        );
    }
  }

  // 5. Allocate p99 at 32 clients against the disk's p99.
  if (c32 !== undefined) {
    put(targetFigure('latency.c32', 'allocate latency p99, 32 clients', c32.allocate.p99Ms, 'ms', relative('at most', 5, { label: 'O_DSYNC append p99', value: floor.p99Ms, unit: 'ms' })));
  } else skipped.set('latency.c32', 'no 32-client run (--clients)');

  // 6–8 at 10,000 (the scale daemon).
  const noScale = (): string => (scale === null ? (notRun.scale ?? 'no scale run') : `--scale stops below ${count(SCALE_TARGET_ALLOCATIONS)}`);
  if (level10k !== undefined) {
    put(
      targetFigure('health.cycle10k', `health cycle wall, ${count(level10k.allocations)} live, listening allocations, median of ${level10k.cycles.length}`, level10k.cycleMedianMs, 'ms', absolute('at most', 150, 'ms'),
        `max of ${level10k.cycles.length}: ${level10k.cycleMaxMs.toFixed(1)} ms`),
    );
  } else skipped.set('health.cycle10k', noScale());
  if (scale !== null && scale.statusSummary.allocations >= SCALE_TARGET_ALLOCATIONS) {
    const s = scale.statusSummary;
    put(targetFigure('status.summary10k', `status {summary: true}, ${count(s.allocations)} allocations, p50 of ${s.latency.count}`, s.latency.p50Ms, 'ms', absolute('at most', 5, 'ms'), `p99 ${s.latency.p99Ms.toFixed(2)} ms; reply ${(s.replyBytes / 1000).toFixed(1)} KB`));
    const f = scale.status;
    put(targetFigure('status.full10k', `status (full list), ${count(f.allocations)} allocations, p50 of ${f.latency.count}`, f.latency.p50Ms, 'ms', absolute('at most', 50, 'ms'), `p99 ${f.latency.p99Ms.toFixed(1)} ms; reply ${(f.replyBytes / 1e6).toFixed(2)} MB`));
  } else {
    skipped.set('status.summary10k', noScale());
    skipped.set('status.full10k', noScale());
  }
  if (scale?.memory && scale.memory.allocations >= SCALE_TARGET_ALLOCATIONS) {
    put(targetFigure('rss.10k', `daemon VmRSS with ${count(scale.memory.allocations)} allocations`, scale.memory.rssMb * MIB_TO_MB, 'MB', absolute('at most', 100, 'MB'), 'read after the cycles, pairs and status requests at that size'));
  } else skipped.set('rss.10k', noScale());

  // 8–9 at 50,000 (the preloaded proxy).
  const noLarge = (): string => (large === null ? (notRun.large ?? 'no large-state run') : `--large ${count(large.allocations)} < ${count(LARGE_TARGET_ALLOCATIONS)}`);
  if (large !== null && large.allocations >= LARGE_TARGET_ALLOCATIONS) {
    if (large.memory !== null) {
      put(targetFigure('rss.50k', `daemon VmRSS with ${count(large.allocations)} allocations`, large.memory.rssMb * MIB_TO_MB, 'MB', absolute('at most', 250, 'MB'), 'read after the cycles, status requests and pairs'));
    } else skipped.set('rss.50k', '/proc/<pid>/status unreadable');
    put(targetFigure('startup.50k', `daemon start on a snapshot of ${count(large.allocations)} allocations, spawn to first answer`, large.startMs, 'ms', absolute('at most', 1000, 'ms'), `snapshot ${(large.stateFileBytes / 1e6).toFixed(1)} MB`));
  } else {
    skipped.set('rss.50k', noLarge());
    skipped.set('startup.50k', noLarge());
  }

  // 10. The CLI against Node's own start.
  if (cli !== null) {
    put(
      targetFigure('cli.cold', `\`ports allocate\` spawn to exit, p50 of ${cli.runs}`, cli.allocate.p50Ms, 'ms', relative('at most', 1.3, { label: '`node` empty file p50', value: cli.floor.p50Ms, unit: 'ms' }),
        `interleaved runs; p95 ${cli.allocate.p95Ms.toFixed(0)} vs ${cli.floor.p95Ms.toFixed(0)} ms`),
    );
  } else skipped.set('cli.cold', notRun.cli ?? 'not run');

  // 11. Owner death.
  if (scale !== null) {
    const death = scale.ownerDeath;
    put(
      targetFigure('owner.death', `owner death (SIGKILL) to release, ${death.ports} allocations`, death.releaseMs, 'ms',
        { comparison: 'at most', factor: 1, kind: 'absolute', reference: { label: `limit ${scale.settings.checkIntervalMs} ms × ${scale.settings.maxFailures} + 1 s =`, value: death.targetMs, unit: 'ms' } }),
    );
  } else skipped.set('owner.death', notRun.scale ?? 'no scale run');

  return CONTRACT_ROWS.map((row) => ({ ...row, figure: figures.get(row.key) ?? null, skipped: figures.has(row.key) ? null : (skipped.get(row.key) ?? 'not measured') }));
}

// ---- informational figures (the detail tables) ----

function clientsLabel(result: PairsScenarioResult): string {
  return result.clients === 1 ? '1 client, 1 connection' : `${result.clients} clients`;
}

function workFigures(group: string, id: string, label: string, result: PairsScenarioResult): Figure[] {
  const out: Figure[] = [];
  const { work } = result;
  if (result.cpu?.daemonPercent != null) out.push(info(group, `${id}.daemon_cpu_percent`, `daemon CPU (whole process, % of one core), ${label}`, result.cpu.daemonPercent, '%'));
  if (work.daemonCpuMsPerRequest !== null) out.push(info(group, `${id}.daemon_cpu_us_per_request`, `daemon CPU per request, ${label}`, work.daemonCpuMsPerRequest * 1000, 'µs'));
  if (work.appendsPerSecond !== null) out.push(info(group, `${id}.appends_per_second`, `journal appends (group commits)/s, ${label}`, work.appendsPerSecond, 'appends/s'));
  if (work.requestsPerAppend !== null) out.push(info(group, `${id}.requests_per_append`, `requests per journal append, ${label}`, work.requestsPerAppend, 'req/append'));
  if (work.daemonContextSwitchesPerRequest !== null) out.push(info(group, `${id}.context_switches_per_request`, `daemon context switches (all threads) per request, ${label}`, work.daemonContextSwitchesPerRequest, 'count'));
  return out;
}

export function scenarioFigures(result: PairsScenarioResult): Figure[] {
  const group = 'pairs, no allocations held (pairs daemon)';
  const label = clientsLabel(result);
  const id = `c${result.clients}`;
  return [
    info(group, `${id}.pairs_per_second`, `durable allocate+release pairs/s, ${label}`, result.pairsPerSecond, 'pairs/s'),
    info(group, `${id}.allocate_p50_ms`, `allocate latency p50, ${label}`, result.allocate.p50Ms, 'ms'),
    info(group, `${id}.allocate_p99_ms`, `allocate latency p99, ${label}`, result.allocate.p99Ms, 'ms'),
    ...workFigures(group, id, label, result),
  ];
}

export function scaleFigures(result: ScaleResult): Figure[] {
  const group = 'HealthMonitor at scale (scale daemon, health cycle every second)';
  const live = result.listenMode === 'listening' ? 'live, listening' : 'live, listenCheck:false';
  const out: Figure[] = [...sizedPairsFigures(group, 0, result.emptyPairs)];
  for (const level of result.levels) {
    const n = count(level.allocations);
    const id = `scale${level.allocations}`;
    const cycles = level.cycles.length;
    out.push(
      info(group, `${id}.cycle_median_ms`, `health cycle wall, ${n} ${live} allocations, median of ${cycles}`, level.cycleMedianMs, 'ms'),
      info(group, `${id}.cycle_max_ms`, `health cycle wall, ${n} ${live} allocations, max of ${cycles}`, level.cycleMaxMs, 'ms'),
      info(group, `${id}.first_cycle_ms`, `health cycle wall, ${n} allocations, first after allocating`, level.firstCycle.durationMs, 'ms'),
    );
    out.push(...sizedPairsFigures(group, level.allocations, level.pairs));
    if (level.cpu !== null) {
      out.push(info(group, `${id}.cpu_per_cycle_ms`, `daemon CPU time per ${result.settings.checkIntervalMs} ms interval, ${n} allocations`, level.cpu.perCycleMs, 'ms'));
    }
  }
  const n = count(result.status.allocations);
  out.push(
    info(group, 'scale.status_summary_p50_ms', `status {summary: true}, ${n} allocations, p50 of ${result.statusSummary.latency.count}`, result.statusSummary.latency.p50Ms, 'ms'),
    info(group, 'scale.status_summary_p99_ms', `status {summary: true}, ${n} allocations, p99 of ${result.statusSummary.latency.count}`, result.statusSummary.latency.p99Ms, 'ms'),
    info(group, 'scale.status_page_p50_ms', `status {limit: ${result.statusPage.limit}}, ${n} allocations, p50 of ${result.statusPage.latency.count}`, result.statusPage.latency.p50Ms, 'ms'),
    info(group, 'scale.status_p50_ms', `status (full list), ${n} allocations, p50 of ${result.status.latency.count}`, result.status.latency.p50Ms, 'ms'),
    info(group, 'scale.status_p99_ms', `status (full list), ${n} allocations, p99 of ${result.status.latency.count}`, result.status.latency.p99Ms, 'ms'),
  );
  if (result.memory !== null) {
    const m = count(result.memory.allocations);
    out.push(
      info(group, 'scale.rss_mb', `daemon VmRSS with ${m} allocations (after cycles, pairs, status)`, result.memory.rssMb * MIB_TO_MB, 'MB'),
      info(group, 'scale.peak_rss_mb', 'daemon peak RSS (VmHWM) in the scale run', result.memory.peakRssMb * MIB_TO_MB, 'MB'),
    );
  }
  out.push(info(group, 'scale.owner_death_release_ms', `owner death (SIGKILL) to release, ${result.ownerDeath.ports} allocations`, result.ownerDeath.releaseMs, 'ms'));
  return out;
}

export function memoryFigures(memory: { rssMb: number; peakRssMb: number } | null, startMs: number): Figure[] {
  const group = 'pairs, no allocations held (pairs daemon)';
  const start = info(group, 'daemon.start_ms', 'pairs daemon start with an empty state (spawn to first answer)', startMs, 'ms');
  if (memory === null) return [start];
  return [
    start,
    info(group, 'daemon.rss_mb', 'pairs daemon VmRSS after the runs', memory.rssMb * MIB_TO_MB, 'MB'),
    info(group, 'daemon.peak_rss_mb', 'pairs daemon peak RSS (VmHWM)', memory.peakRssMb * MIB_TO_MB, 'MB'),
  ];
}

/** The machine's own limits, for reading the figures above. */
export function baselineFigures(baseline: Baseline): Figure[] {
  const group = 'machine';
  const { floor } = baseline;
  return [
    info(group, 'machine.dsync_append_p50_ms', `append ${floor.lineBytes} B to an O_APPEND|O_DSYNC file (the daemon's journal write), p50 of ${floor.dsync.count}`, floor.dsync.p50Ms, 'ms'),
    info(group, 'machine.dsync_append_p99_ms', 'the same, p99', floor.dsync.p99Ms, 'ms'),
    info(group, 'machine.fdatasync_append_p50_ms', `append ${floor.lineBytes} B (O_APPEND) then fdatasync, p50 of ${floor.fdatasync.count}`, floor.fdatasync.p50Ms, 'ms'),
    info(group, 'machine.fdatasync_append_p99_ms', 'the same, p99', floor.fdatasync.p99Ms, 'ms'),
    info(group, 'machine.disk_floor', 'disk floor: 1000 / (2 × O_DSYNC append p50)', floor.pairsPerSecond, 'pairs/s'),
    info(group, 'machine.disk_floor_fdatasync', 'the same from write + fdatasync p50 (for comparison)', floor.fdatasyncPairsPerSecond, 'pairs/s'),
    info(group, 'machine.snapshot_write_p50_ms', 'snapshot write of a small state (temp file, fsync, rename, fsync folder), p50', baseline.snapshotWrite.p50Ms, 'ms'),
    info(group, 'machine.socket_round_trip_us', 'Unix-socket round trip on a kept-open connection', baseline.socketRoundTripUs, 'µs'),
  ];
}

/** Pairs measured while `allocations` others are held. */
export function sizedPairsFigures(group: string, allocations: number, pairs: readonly PairsScenarioResult[]): Figure[] {
  const n = allocations === 0 ? 'none' : count(allocations);
  return pairs.flatMap((result) => {
    const label = `${result.clients === 1 ? '1 client' : `${result.clients} clients`}, ${n} held`;
    const id = `held${allocations}.c${result.clients}`;
    return [
      info(group, `${id}.pairs_per_second`, `durable allocate+release pairs/s, ${label}`, result.pairsPerSecond, 'pairs/s'),
      result.clients === 1
        ? info(group, `${id}.allocate_p50_ms`, `allocate latency p50, ${label}`, result.allocate.p50Ms, 'ms')
        : info(group, `${id}.allocate_p99_ms`, `allocate latency p99, ${label}`, result.allocate.p99Ms, 'ms'),
      ...(result.work.daemonCpuMsPerRequest !== null
        ? [info(group, `${id}.daemon_cpu_us_per_request`, `daemon CPU per request, ${label}`, result.work.daemonCpuMsPerRequest * 1000, 'µs')]
        : []),
    ];
  });
}

/** The preloaded-state proxy (default 50,000 allocations). */
export function largeFigures(result: LargeStateResult): Figure[] {
  const n = count(result.allocations);
  const group = `large state (${n} allocations preloaded)`;
  const id = `large${result.allocations}`;
  return [
    info(group, `${id}.start_ms`, `daemon start on a snapshot of ${n} allocations (spawn to first answer)`, result.startMs, 'ms'),
    info(group, `${id}.parse_json_ms`, 'that snapshot: JSON.parse alone, in the bench process', result.parseMs.json, 'ms'),
    info(group, `${id}.parse_snapshot_ms`, "that snapshot: the daemon's parseSnapshot (JSON.parse + migrate + validation), in the bench process", result.parseMs.snapshot, 'ms'),
    info(group, `${id}.cycle_median_ms`, `health cycle wall, ${n} live allocations (process check, no LISTEN table), median of ${result.cycles.length}`, result.cycleMedianMs, 'ms'),
    info(group, `${id}.cycle_max_ms`, `health cycle wall, ${n} allocations, max of ${result.cycles.length}`, result.cycleMaxMs, 'ms'),
    info(group, `${id}.status_summary_p50_ms`, `status {summary: true}, ${n} allocations, p50 of ${result.statusSummary.latency.count}`, result.statusSummary.latency.p50Ms, 'ms'),
    info(group, `${id}.status_p50_ms`, `status (full list), ${n} allocations, p50 of ${result.status.latency.count}`, result.status.latency.p50Ms, 'ms'),
    ...sizedPairsFigures(group, result.allocations, result.pairs),
    ...(result.memoryAfterCycles !== null ? [info(group, `${id}.rss_after_cycles_mb`, `daemon VmRSS with ${n} allocations after the cycles (before status and pairs)`, result.memoryAfterCycles.rssMb * MIB_TO_MB, 'MB')] : []),
    ...(result.memory !== null
      ? [
          info(group, `${id}.rss_mb`, `daemon VmRSS with ${n} allocations at the end`, result.memory.rssMb * MIB_TO_MB, 'MB'),
          info(group, `${id}.peak_rss_mb`, 'daemon peak RSS (VmHWM)', result.memory.peakRssMb * MIB_TO_MB, 'MB'),
        ]
      : []),
  ];
}

/** The portserver comparison's rows (our daemon and the reference, both informational here). */
export function portserverFigures(result: PortserverComparison): Figure[] {
  if (result.skipped !== null) return [];
  const group = `portserver protocol vs Google portserver ${result.referenceVersion}`;
  return result.rows.flatMap((row) => [
    info(group, `portserver.c${row.clients}.ours_rps`, `portkeeper's portserver socket, ${row.clients} client${row.clients === 1 ? '' : 's'}, requests/s`, row.ours.requestsPerSecond, 'req/s'),
    info(group, `portserver.c${row.clients}.reference_rps`, `Google portserver, ${row.clients} client${row.clients === 1 ? '' : 's'}, requests/s`, row.reference.requestsPerSecond, 'req/s'),
    info(group, `portserver.c${row.clients}.ours_p99_ms`, `portkeeper request p99 (connect to close), ${row.clients} client${row.clients === 1 ? '' : 's'}`, row.ours.p99Ms, 'ms'),
    info(group, `portserver.c${row.clients}.reference_p99_ms`, `Google portserver request p99, ${row.clients} client${row.clients === 1 ? '' : 's'}`, row.reference.p99Ms, 'ms'),
    ...(row.ours.serverCpuMsPerRequest !== null ? [info(group, `portserver.c${row.clients}.ours_cpu_us`, `portkeeper CPU per request, ${row.clients} client${row.clients === 1 ? '' : 's'}`, row.ours.serverCpuMsPerRequest * 1000, 'µs')] : []),
    ...(row.reference.serverCpuMsPerRequest !== null
      ? [info(group, `portserver.c${row.clients}.reference_cpu_us`, `Google portserver CPU per request, ${row.clients} client${row.clients === 1 ? '' : 's'}`, row.reference.serverCpuMsPerRequest * 1000, 'µs')]
      : []),
  ]);
}

/** The reference: the same find-a-free-port work by get-port in process — not durable, not exclusive across processes. */
export function getPortFigures(ref: GetPortReference): Figure[] {
  const group = `reference: get-port ${ref.version} in process (not durable, not exclusive across processes)`;
  return [
    info(group, 'getport.c1.ports_per_second', 'get-port, 1 caller, ports/s', ref.sequential.portsPerSecond, 'ports/s'),
    info(group, `getport.c${ref.concurrent.callers}.ports_per_second`, `get-port, ${ref.concurrent.callers} concurrent callers, ports/s`, ref.concurrent.portsPerSecond, 'ports/s'),
    info(group, `getport.c${ref.concurrent.callers}.p99_ms`, `get-port call latency p99, ${ref.concurrent.callers} concurrent callers`, ref.concurrent.latency.p99Ms, 'ms'),
  ];
}

/** The CLI's cold start, each a fresh `node bin/ports …` process, spawn to exit. */
export function coldStartFigures(result: ColdStartResult, baseline?: string): Figure[] {
  const runs = result.runs;
  if (baseline !== undefined) {
    const group = `CLI cold start of ${baseline}`;
    const id = 'cli_baseline';
    return [
      info(group, `${id}.allocate_p50_ms`, `\`ports allocate\`, p50 of ${runs}`, result.allocate.p50Ms, 'ms'),
      info(group, `${id}.version_p50_ms`, `\`ports --version\`, p50 of ${runs}`, result.version.p50Ms, 'ms'),
      info(group, `${id}.load_only_p50_ms`, `importing dist/cli/main.js only, p50 of ${runs}`, result.loadOnly.p50Ms, 'ms'),
      ...(result.imports !== null ? [info(group, `${id}.imports_ms`, 'its imports one by one, sum of medians', result.imports.totalMs, 'ms')] : []),
    ];
  }
  const group = 'CLI cold start (fresh processes, spawn to exit)';
  const out = [
    info(group, 'cli.allocate_p50_ms', `\`ports allocate --no-pid --range …\`, p50 of ${runs}`, result.allocate.p50Ms, 'ms'),
    info(group, 'cli.allocate_p95_ms', `\`ports allocate\`, p95 of ${runs}`, result.allocate.p95Ms, 'ms'),
    info(group, 'cli.release_p50_ms', `\`ports release PORT\`, p50 of ${runs}`, result.release.p50Ms, 'ms'),
    info(group, 'cli.version_p50_ms', `\`ports --version\` (no daemon contact), p50 of ${runs}`, result.version.p50Ms, 'ms'),
    info(group, 'cli.load_only_p50_ms', `node importing dist/cli/main.js only, p50 of ${runs}`, result.loadOnly.p50Ms, 'ms'),
    info(group, 'cli.node_floor_p50_ms', `node running an empty ES module (Node's floor), p50 of ${runs}`, result.floor.p50Ms, 'ms'),
  ];
  if (result.imports !== null) out.push(info(group, 'cli.imports_ms', 'its imports one by one in a fresh process, sum of medians', result.imports.totalMs, 'ms'));
  return out;
}

/** For the report's summary line. */
export function describeReference(target: Target): string {
  const r = target.reference;
  return `${r.label} ${formatNumber(r.value, r.unit)}`;
}

export function formatNumber(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'pairs/s':
    case 'req/s':
    case 'ports/s':
    case 'appends/s':
      return `${rate(value)} ${unit}`;
    case 'req/append':
      return `${value.toFixed(1)} ${unit}`;
    case 'count':
      return value.toFixed(1);
    case 'ms':
      return value >= 100 ? `${rate(value)} ms` : `${value.toFixed(value < 1 ? 3 : value < 10 ? 2 : 1)} ms`;
    case 'µs':
      return `${value.toFixed(0)} µs`;
    case '%':
      return `${value.toFixed(0)} %`;
    case 'KB':
    case 'MB':
    case 'MiB':
      return `${value.toFixed(1)} ${unit}`;
  }
}
