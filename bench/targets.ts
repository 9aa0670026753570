import type { Baseline } from './baseline.js';
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
  unit: 'pairs/s' | 'ms' | 'µs' | 'MiB' | 'MB' | '%';
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
    figure('machine.socket_round_trip_us', 'machine: Unix-socket round trip on a kept-open connection', baseline.socketRoundTripUs, 'µs', null),
    figure('machine.one_client_ceiling', 'machine: 1-client ceiling, 2 durable writes per pair', baseline.oneClientCeilingPairsPerSecond, 'pairs/s', null),
  ];
}
