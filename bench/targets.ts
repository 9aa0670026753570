import type { Baseline } from './baseline.js';
import type { ColdStartResult } from './cli-cold-start.js';
import type { GetPortReference } from './get-port-reference.js';
import type { LargeStateResult } from './large-state-scenario.js';
import type { PairsScenarioResult } from './pairs-scenario.js';
import type { ScaleResult } from './scale-scenario.js';

/**
 * The figures the bench reports, each next to its target from the product contract
 * (shared/design/PRODUCT.md, "Targets") where there is one. Pure.
 */
export interface Target {
  comparison: 'at least' | 'at most';
  value: number;
}

export interface Figure {
  id: string;
  metric: string;
  value: number;
  unit: 'pairs/s' | 'ports/s' | 'ms' | 'µs' | 'MiB' | 'MB' | '%';
  target: Target | null;
  /** null when the figure has no target. */
  met: boolean | null;
}

/** Contract targets that this bench measures, by scenario client count. */
const PAIRS_TARGETS: ReadonlyMap<number, Target> = new Map([
  [1, { comparison: 'at least', value: 1500 }],
  [32, { comparison: 'at least', value: 8000 }],
]);
const ALLOCATE_P99_TARGETS: ReadonlyMap<number, Target> = new Map([[32, { comparison: 'at most', value: 5 }]]);

function meets(value: number, target: Target | null): boolean | null {
  if (target === null) return null;
  if (!Number.isFinite(value)) return false;
  return target.comparison === 'at least' ? value >= target.value : value <= target.value;
}

function figure(id: string, metric: string, value: number, unit: Figure['unit'], target: Target | null): Figure {
  return { id, metric, value, unit, target, met: meets(value, target) };
}

function clientsLabel(result: PairsScenarioResult): string {
  return result.clients === 1 ? '1 client, 1 connection' : `${result.clients} clients`;
}

export function scenarioFigures(result: PairsScenarioResult): Figure[] {
  const label = clientsLabel(result);
  const id = `c${result.clients}`;
  return [
    figure(`${id}.pairs_per_second`, `durable allocate+release pairs/s, ${label}`, result.pairsPerSecond, 'pairs/s', PAIRS_TARGETS.get(result.clients) ?? null),
    figure(`${id}.allocate_p50_ms`, `allocate latency p50, ${label}`, result.allocate.p50Ms, 'ms', null),
    figure(`${id}.allocate_p99_ms`, `allocate latency p99, ${label}`, result.allocate.p99Ms, 'ms', ALLOCATE_P99_TARGETS.get(result.clients) ?? null),
  ];
}

/** The contract's scale targets hold "over 10,000 allocations": smaller runs are shown without them. */
const SCALE_TARGET_ALLOCATIONS = 10_000;
const CYCLE_TARGET: Target = { comparison: 'at most', value: 150 };
const STATUS_TARGET: Target = { comparison: 'at most', value: 50 };
/** 100 MB as in the contract (decimal megabytes). */
const RSS_TARGET: Target = { comparison: 'at most', value: 100 };
const MIB_TO_MB = 1.048576;

const count = (n: number): string => n.toLocaleString('en-US');

export function scaleFigures(result: ScaleResult): Figure[] {
  const live = result.listenMode === 'listening' ? 'live, listening' : 'live, listenCheck:false';
  const out: Figure[] = [];
  for (const level of result.levels) {
    const n = count(level.allocations);
    const id = `scale${level.allocations}`;
    const target = level.allocations >= SCALE_TARGET_ALLOCATIONS ? CYCLE_TARGET : null;
    const cycles = level.cycles.length;
    out.push(
      figure(`${id}.cycle_median_ms`, `health cycle wall, ${n} ${live} allocations, median of ${cycles}`, level.cycleMedianMs, 'ms', target),
      figure(`${id}.cycle_max_ms`, `health cycle wall, ${n} ${live} allocations, max of ${cycles}`, level.cycleMaxMs, 'ms', target),
      figure(`${id}.first_cycle_ms`, `health cycle wall, ${n} allocations, first after allocating (writes health)`, level.firstCycle.durationMs, 'ms', null),
    );
    out.push(...sizedPairsFigures(level.allocations, level.pairs));
    if (level.cpu !== null) {
      out.push(
        figure(`${id}.cpu_percent`, `daemon CPU (whole process) over those ${cycles} cycles, ${result.settings.checkIntervalMs} ms interval, ${n} allocations`, level.cpu.percent, '%', null),
        figure(`${id}.cpu_per_cycle_ms`, `daemon CPU time per interval, ${n} allocations`, level.cpu.perCycleMs, 'ms', null),
      );
    }
  }
  const atTarget = result.status.allocations >= SCALE_TARGET_ALLOCATIONS;
  const n = count(result.status.allocations);
  out.push(
    figure('scale.status_p50_ms', `status request (full list), ${n} allocations, p50 of ${result.status.latency.count}`, result.status.latency.p50Ms, 'ms', atTarget ? STATUS_TARGET : null),
    figure('scale.status_p99_ms', `status request (full list), ${n} allocations, p99 of ${result.status.latency.count}`, result.status.latency.p99Ms, 'ms', atTarget ? STATUS_TARGET : null),
  );
  if (result.memory !== null) {
    const m = count(result.memory.allocations);
    out.push(
      figure('scale.rss_mb', `daemon RSS (VmRSS) with ${m} allocations`, result.memory.rssMb * MIB_TO_MB, 'MB', result.memory.allocations >= SCALE_TARGET_ALLOCATIONS ? RSS_TARGET : null),
      figure('scale.peak_rss_mb', `daemon peak RSS (VmHWM) in the scale run`, result.memory.peakRssMb * MIB_TO_MB, 'MB', null),
    );
  }
  const death = result.ownerDeath;
  out.push(
    figure(
      'scale.owner_death_release_ms',
      `owner death (SIGKILL) to release, ${death.ports} allocations, ${result.settings.checkIntervalMs} ms × ${result.settings.maxFailures} + 1 s`,
      death.releaseMs,
      'ms',
      { comparison: 'at most', value: death.targetMs },
    ),
  );
  return out;
}

export function memoryFigures(memory: { rssMb: number; peakRssMb: number } | null): Figure[] {
  if (memory === null) return [];
  // The contract's RSS target (≤ 100 MB) is with 10,000 live allocations; this bench holds at
  // most one per client, so the figure is reported without a target.
  return [
    figure('daemon.rss_mib', 'daemon RSS after the runs (VmRSS)', memory.rssMb, 'MiB', null),
    figure('daemon.peak_rss_mib', 'daemon peak RSS (VmHWM)', memory.peakRssMb, 'MiB', null),
  ];
}

/** The machine's own limits, for reading the figures above (no targets). */
export function baselineFigures(baseline: Baseline): Figure[] {
  return [
    figure('machine.durable_write_mean_ms', 'machine: one durable write (write, fsync, rename, fsync dir), mean', baseline.durableWrite.meanMs, 'ms', null),
    figure('machine.durable_write_p99_ms', `machine: one durable write, p99 of ${baseline.durableWrite.count}`, baseline.durableWrite.p99Ms, 'ms', null),
    figure('machine.journal_append_mean_ms', 'machine: append one 300-byte line to an open file + fdatasync (a journal; not used today), mean', baseline.journalAppend.meanMs, 'ms', null),
    figure('machine.socket_round_trip_us', 'machine: Unix-socket round trip on a kept-open connection', baseline.socketRoundTripUs, 'µs', null),
    figure('machine.one_client_ceiling', 'machine: 1-client ceiling, 2 durable writes per pair', baseline.oneClientCeilingPairsPerSecond, 'pairs/s', null),
  ];
}

/** Pairs measured while `allocations` others are held: every durable write rewrites all of them. No targets (the contract's are for an empty daemon). */
export function sizedPairsFigures(allocations: number, pairs: readonly PairsScenarioResult[]): Figure[] {
  const n = count(allocations);
  return pairs.flatMap((result) => {
    const label = result.clients === 1 ? '1 client' : `${result.clients} clients`;
    const id = `held${allocations}.c${result.clients}`;
    return [
      figure(`${id}.pairs_per_second`, `durable allocate+release pairs/s, ${label}, ${n} allocations held`, result.pairsPerSecond, 'pairs/s', null),
      result.clients === 1
        ? figure(`${id}.allocate_p50_ms`, `allocate latency p50 (one durable write), ${label}, ${n} allocations held`, result.allocate.p50Ms, 'ms', null)
        : figure(`${id}.allocate_p99_ms`, `allocate latency p99, ${label}, ${n} allocations held`, result.allocate.p99Ms, 'ms', null),
    ];
  });
}

/** The preloaded-state proxy (default 50,000 allocations). No targets: the contract stops at 10,000. */
export function largeFigures(result: LargeStateResult): Figure[] {
  const n = count(result.allocations);
  const id = `large${result.allocations}`;
  return [
    figure(`${id}.start_ms`, `daemon start on a state.json of ${n} allocations (spawn to first answer)`, result.startMs, 'ms', null),
    figure(`${id}.cycle_median_ms`, `health cycle wall, ${n} live allocations (process check, no LISTEN table), median of ${result.cycles.length}`, result.cycleMedianMs, 'ms', null),
    figure(`${id}.cycle_max_ms`, `health cycle wall, ${n} allocations, max of ${result.cycles.length}`, result.cycleMaxMs, 'ms', null),
    figure(`${id}.status_p50_ms`, `status request (full list), ${n} allocations, p50 of ${result.status.latency.count}`, result.status.latency.p50Ms, 'ms', null),
    ...sizedPairsFigures(result.allocations, result.pairs),
    ...(result.memory !== null ? [figure(`${id}.rss_mb`, `daemon RSS (VmRSS) with ${n} allocations`, result.memory.rssMb * MIB_TO_MB, 'MB', null)] : []),
  ];
}

/** The reference: the same find-a-free-port work by get-port in process — not durable, not exclusive across processes. */
export function getPortFigures(ref: GetPortReference): Figure[] {
  return [
    figure('getport.c1.ports_per_second', `reference: get-port ${ref.version} in process, 1 caller (not durable, not exclusive across processes)`, ref.sequential.portsPerSecond, 'ports/s', null),
    figure(`getport.c${ref.concurrent.callers}.ports_per_second`, `reference: get-port ${ref.version} in process, ${ref.concurrent.callers} concurrent callers`, ref.concurrent.portsPerSecond, 'ports/s', null),
    figure(`getport.c${ref.concurrent.callers}.p99_ms`, `reference: get-port call latency p99, ${ref.concurrent.callers} concurrent callers`, ref.concurrent.latency.p99Ms, 'ms', null),
  ];
}

/** The CLI's cold start, each a fresh `node bin/ports …` process, spawn to exit. */
export function coldStartFigures(result: ColdStartResult, baseline?: string): Figure[] {
  const runs = result.runs;
  if (baseline !== undefined) {
    const id = 'cli_baseline';
    return [
      figure(`${id}.allocate_p50_ms`, `CLI cold start of ${baseline}: \`ports allocate\`, p50 of ${runs}`, result.allocate.p50Ms, 'ms', null),
      figure(`${id}.version_p50_ms`, `CLI cold start of ${baseline}: \`ports --version\`, p50 of ${runs}`, result.version.p50Ms, 'ms', null),
      figure(`${id}.load_only_p50_ms`, `CLI cold start of ${baseline}: importing dist/cli/main.js only, p50 of ${runs}`, result.loadOnly.p50Ms, 'ms', null),
      ...(result.imports !== null ? [figure(`${id}.imports_ms`, `CLI start of ${baseline}: its imports one by one, sum of medians`, result.imports.totalMs, 'ms', null)] : []),
    ];
  }
  const out = [
    figure('cli.allocate_p50_ms', `CLI cold start: \`ports allocate --no-pid --range …\` end to end, p50 of ${runs}`, result.allocate.p50Ms, 'ms', null),
    figure('cli.allocate_p95_ms', `CLI cold start: \`ports allocate\`, p95 of ${runs}`, result.allocate.p95Ms, 'ms', null),
    figure('cli.release_p50_ms', `CLI cold start: \`ports release PORT\`, p50 of ${runs}`, result.release.p50Ms, 'ms', null),
    figure('cli.version_p50_ms', `CLI cold start: \`ports --version\` (no daemon contact), p50 of ${runs}`, result.version.p50Ms, 'ms', null),
    figure('cli.version_p95_ms', `CLI cold start: \`ports --version\`, p95 of ${runs}`, result.version.p95Ms, 'ms', null),
    figure('cli.load_only_p50_ms', `CLI cold start: node importing dist/cli/main.js only, p50 of ${runs}`, result.loadOnly.p50Ms, 'ms', null),
    figure('cli.node_floor_p50_ms', `CLI cold start floor: node running an empty ES module, p50 of ${runs}`, result.floor.p50Ms, 'ms', null),
  ];
  if (result.imports !== null) {
    out.push(figure('cli.imports_ms', `CLI start: its imports one by one in a fresh process, sum of medians`, result.imports.totalMs, 'ms', null));
  }
  return out;
}
