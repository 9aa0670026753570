import type { Baseline } from './baseline.js';
import type { PairsScenarioResult } from './pairs-scenario.js';

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
  unit: 'pairs/s' | 'ms' | 'µs' | 'MiB';
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
