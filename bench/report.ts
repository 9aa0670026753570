import { writeFile } from 'node:fs/promises';
import type { Baseline } from './baseline.js';
import type { MachineInfo } from './machine.js';
import type { PairsScenarioResult } from './pairs-scenario.js';
import type { ScaleResult } from './scale-scenario.js';
import type { Figure, Target } from './targets.js';

/**
 * Everything the bench prints. The only module that writes to the console.
 */
export interface BenchReport {
  schemaVersion: 2;
  startedAt: string;
  machine: MachineInfo;
  settings: { warmupMs: number; durationMs: number; range: { start: number; end: number }; owner: 'reservation (pid null)' };
  daemon: { pid: number };
  baseline: Baseline;
  scenarios: PairsScenarioResult[];
  /** The HealthMonitor at scale (a second daemon); null with `--scale none`. */
  scale: (ScaleResult & { daemonPid: number }) | null;
  figures: Figure[];
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function formatValue(value: number, unit: Figure['unit']): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'pairs/s') return numberFormat.format(value);
  if (unit === 'ms') return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
  if (unit === 'µs') return `${value.toFixed(0)} µs`;
  if (unit === '%') return `${value.toFixed(1)} %`;
  return `${value.toFixed(1)} ${unit}`;
}

function formatTarget(target: Target | null, unit: Figure['unit']): string {
  if (target === null) return '—';
  const sign = target.comparison === 'at least' ? '≥' : '≤';
  return `${sign} ${unit === 'pairs/s' || unit === 'ms' ? numberFormat.format(target.value) : `${target.value}`}${unit === 'pairs/s' ? '' : ` ${unit}`}`;
}

function formatMet(met: boolean | null): string {
  if (met === null) return '—';
  return met ? 'yes' : 'no';
}

export function renderTable(figures: readonly Figure[]): string {
  const header = ['metric', 'measured', 'target', 'met?'];
  const rows = figures.map((f) => [f.metric, formatValue(f.value, f.unit), formatTarget(f.target, f.unit), formatMet(f.met)]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function renderMachine(machine: MachineInfo): string {
  const ephemeral = machine.ephemeralRange ? `${machine.ephemeralRange.start}-${machine.ephemeralRange.end}` : 'unknown';
  return [
    `node ${machine.node} on ${machine.platform}`,
    `${machine.cpus} CPUs (${machine.cpuModel}), ${numberFormat.format(machine.totalMemoryMb)} MiB RAM`,
    `state file on ${machine.stateFileSystem}; kernel ephemeral range ${ephemeral}; load average ${machine.loadAverage.map((n) => n.toFixed(2)).join(' ')} at start`,
  ].join('\n');
}

function renderScenarioLine(result: PairsScenarioResult): string {
  return (
    `  ${result.name}: ${numberFormat.format(result.pairs)} pairs in ${result.measuredMs} ms; ` +
    `allocate mean ${result.allocate.meanMs.toFixed(2)} / max ${result.allocate.maxMs.toFixed(1)} ms; ` +
    `release p50 ${result.release.p50Ms.toFixed(2)} / p99 ${result.release.p99Ms.toFixed(2)} ms`
  );
}

function renderScale(scale: ScaleResult & { daemonPid: number }): string[] {
  const { settings } = scale;
  const ranges = settings.ranges.map((r) => `${r.start}-${r.end}`).join(', ');
  const lines = [
    `scale: a second daemon (pid ${scale.daemonPid}) with health_monitoring check_interval_ms ${settings.checkIntervalMs}, ` +
      `max_failures ${settings.maxFailures}, startup_grace_ms 0; allocations owned by helper pid ${scale.ownerPid}, ` +
      `from ${ranges}, ${scale.listenNote}; load average ${scale.loadAverage.map((n) => n.toFixed(2)).join(' ')} at its start`,
  ];
  for (const level of scale.levels) {
    const cycles = level.cycles.map((c) => c.durationMs.toFixed(1)).join(', ');
    const cpu = level.cpu ? `; daemon CPU ${level.cpu.cpuMs.toFixed(0)} ms in ${(level.cpu.windowMs / 1000).toFixed(1)} s` : '';
    lines.push(
      `  ${level.allocations.toLocaleString('en-US')} allocations: +${level.fill.added} in ${(level.fill.ms / 1000).toFixed(1)} s ` +
        `(allocate p50 ${level.fill.allocate.p50Ms.toFixed(1)} / p99 ${level.fill.allocate.p99Ms.toFixed(1)} ms at 64 in flight); ` +
        `cycles ${cycles} ms, each checked ${level.cycles[0]?.checked ?? 0}${cpu}` +
        `${level.rssMb !== null ? `; daemon RSS ${level.rssMb.toFixed(1)} MiB` : ''}`,
    );
    if (level.listenTable !== null) {
      lines.push(
        `    LISTEN table at this size: /proc/net/tcp{,6} ${(level.listenTable.bytes / 1e6).toFixed(2)} MB, ${level.listenTable.listening} listening ports; ` +
          `read + parse ${level.listenTable.ms.toFixed(1)} ms (in the bench process, daemon's parser, median of 5)`,
      );
    }
    for (const problem of level.problems) lines.push(`    note: ${problem}`);
  }
  lines.push(
    `  status over ${scale.status.allocations.toLocaleString('en-US')} allocations: reply ${(scale.status.replyBytes / 1e6).toFixed(1)} MB; ` +
      `mean ${scale.status.latency.meanMs.toFixed(1)} / max ${scale.status.latency.maxMs.toFixed(1)} ms, of which the client's JSON.parse of it takes ≈ ${scale.status.clientParseMs.toFixed(1)} ms; ` +
      `state.json ${scale.stateFileBytes === null ? 'n/a' : `${(scale.stateFileBytes / 1e6).toFixed(1)} MB`} (rewritten whole by every durable write)`,
    ...(scale.heap !== null && scale.memory !== null
      ? [
          `  daemon memory with ${scale.memory.allocations.toLocaleString('en-US')} allocations: RSS ${scale.memory.rssMb.toFixed(1)} MiB ` +
            `(${scale.rssAtStartMb === null ? 'n/a' : `${scale.rssAtStartMb.toFixed(1)} MiB`} at start with none), ` +
            `V8 heap used ${scale.heap.usedMb.toFixed(1)} / total ${scale.heap.totalMb.toFixed(1)} MiB, ` +
            `external ${scale.heap.externalMb === null ? 'n/a' : `${scale.heap.externalMb.toFixed(1)} MiB`} (daemon's own metrics)`,
        ]
      : []),
    `  owner death: ${scale.ownerDeath.ports} listenCheck:false allocations, released in ` +
      `${Number.isFinite(scale.ownerDeath.releaseMs) ? `${scale.ownerDeath.releaseMs.toFixed(0)} ms` : 'NOT within the deadline'} ` +
      `(reason ${scale.ownerDeath.reasons.join(', ') || 'unknown'}; status polled every 20 ms)`,
  );
  return lines;
}

export function printProgress(text: string): void {
  console.error(text);
}

/** The table goes to stdout, or to stderr when stdout carries the JSON (`--json -`). */
export function printReport(report: BenchReport, options: { toStderr: boolean }): void {
  const { settings } = report;
  const say = options.toStderr ? console.error : console.log;
  say(`portkeeper bench — ${report.startedAt}`);
  say(renderMachine(report.machine));
  say(
    `each client: allocate (--no-pid, range ${settings.range.start}-${settings.range.end}) then release, one request in flight; ` +
      `${settings.warmupMs} ms warm-up, ${settings.durationMs} ms measured; daemon pid ${report.daemon.pid}`,
  );
  say('');
  say(renderTable(report.figures));
  say('');
  for (const result of report.scenarios) say(renderScenarioLine(result));
  if (report.scale !== null) for (const line of renderScale(report.scale)) say(line);
  const missed = report.figures.filter((f) => f.met === false);
  say('');
  say(missed.length === 0 ? 'All measured targets met.' : `Targets missed: ${missed.length} (a benchmark: reported, never a failure).`);
}

export async function writeJsonReport(report: BenchReport, path: string): Promise<void> {
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (path === '-') {
    process.stdout.write(text);
    return;
  }
  await writeFile(path, text);
  console.error(`results written to ${path}`);
}

export function printFailure(error: unknown): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`bench failed: ${message}`);
}
