import { writeFile } from 'node:fs/promises';
import type { Baseline } from './baseline.js';
import type { ColdStartResult } from './cli-cold-start.js';
import type { ProfileTotals } from './cpu-profile.js';
import type { GetPortReference } from './get-port-reference.js';
import type { LargeStateResult } from './large-state-scenario.js';
import type { MachineInfo } from './machine.js';
import type { PairsScenarioResult } from './pairs-scenario.js';
import type { ScaleResult } from './scale-scenario.js';
import type { Figure, Target } from './targets.js';

/**
 * Everything the bench prints. The only module that writes to the console.
 */
export interface BenchReport {
  schemaVersion: 3;
  /** The exact command line of this run. */
  command: string;
  startedAt: string;
  machine: MachineInfo;
  settings: { warmupMs: number; durationMs: number; range: { start: number; end: number }; owner: 'reservation (pid null)' };
  daemon: { pid: number };
  baseline: Baseline;
  scenarios: PairsScenarioResult[];
  /** The HealthMonitor at scale (a second daemon); null with `--scale none`. */
  scale: (ScaleResult & { daemonPid: number }) | null;
  /** The preloaded-state proxy (a third daemon); null with `--large none`. */
  large: (LargeStateResult & { daemonPid: number }) | null;
  getPort: GetPortReference | null;
  cli: ColdStartResult | null;
  /** The same for another checkout (`--cli-baseline DIR`). */
  cliBaseline: ColdStartResult | null;
  /** Where each bench daemon's CPU time went (`--cpu-prof DIR`); empty without it. */
  daemonProfiles: Array<{ daemon: 'pairs' | 'scale' | 'large'; pid: number; profile: ProfileTotals }>;
  figures: Figure[];
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function formatValue(value: number, unit: Figure['unit']): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'pairs/s' || unit === 'ports/s') return numberFormat.format(value);
  if (unit === 'ms') return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
  if (unit === 'µs') return `${value.toFixed(0)} µs`;
  if (unit === '%') return `${value.toFixed(1)} %`;
  return `${value.toFixed(1)} ${unit}`;
}

function formatTarget(target: Target | null, unit: Figure['unit']): string {
  if (target === null) return '—';
  const sign = target.comparison === 'at least' ? '≥' : '≤';
  const plain = unit === 'pairs/s' || unit === 'ports/s';
  return `${sign} ${plain || unit === 'ms' ? numberFormat.format(target.value) : `${target.value}`}${plain ? '' : ` ${unit}`}`;
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
    `release p50 ${result.release.p50Ms.toFixed(2)} / p99 ${result.release.p99Ms.toFixed(2)} ms` +
    renderCpu(result)
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
        `${level.rssMb !== null ? `; daemon RSS ${level.rssMb.toFixed(1)} MiB` : ''}` +
        `${level.stateFileBytes !== null ? `; state.json ${(level.stateFileBytes / 1e6).toFixed(2)} MB` : ''}`,
    );
    if (level.listenTable !== null) {
      lines.push(
        `    LISTEN table at this size: /proc/net/tcp{,6} ${(level.listenTable.bytes / 1e6).toFixed(2)} MB, ${level.listenTable.listening} listening ports; ` +
          `read + parse ${level.listenTable.ms.toFixed(1)} ms (in the bench process, daemon's parser, median of 5)`,
      );
    }
    for (const pairs of level.pairs) lines.push(`    ${renderSizedPairs(pairs)}`);
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

function renderCpu(result: PairsScenarioResult): string {
  if (result.cpu === null) return '';
  const daemon = result.cpu.daemonPercent === null ? 'n/a' : `${result.cpu.daemonPercent.toFixed(0)} %`;
  const thread = result.cpu.daemonMainThreadBusyPercent === undefined ? '' : ` (its JS thread busy ${result.cpu.daemonMainThreadBusyPercent.toFixed(0)} % of the window)`;
  return `; CPU daemon ${daemon}${thread}, bench clients ${result.cpu.benchPercent.toFixed(0)} % of a core`;
}

function renderProfile(title: string, profile: ProfileTotals): string[] {
  const busy = profile.totalMs - profile.idleMs;
  return [
    `CPU profile of the ${title}, ${profile.file}: ${(profile.totalMs / 1000).toFixed(1)} s profiled, idle ${(profile.idleMs / 1000).toFixed(1)} s, ` +
      `busy ${(busy / 1000).toFixed(1)} s of which GC ${(profile.gcMs / 1000).toFixed(1)} s and native/unattributed ${(profile.programMs / 1000).toFixed(1)} s`,
    `  self time by script: ${profile.scripts.slice(0, 12).map((s) => `${s.script} ${(s.selfMs / busy * 100).toFixed(1)} %`).join(', ')}`,
    `  self time by function: ${profile.top.slice(0, 15).map((f) => `${f.name} (${f.where}) ${(f.selfMs / busy * 100).toFixed(1)} %`).join(', ')}`,
  ];
}

function renderSizedPairs(result: PairsScenarioResult): string {
  return (
    `pairs on top, ${result.name}: ${numberFormat.format(result.pairs)} in ${result.measuredMs} ms = ${result.pairsPerSecond.toFixed(1)}/s; ` +
    `allocate p50 ${result.allocate.p50Ms.toFixed(1)} / p99 ${result.allocate.p99Ms.toFixed(1)} ms; release p50 ${result.release.p50Ms.toFixed(1)} ms` +
    renderCpu(result)
  );
}

function renderLarge(large: LargeStateResult & { daemonPid: number }): string[] {
  const n = large.allocations.toLocaleString('en-US');
  const lines = [
    `large: a third daemon (pid ${large.daemonPid}) started on a preloaded state.json of ${n} allocations ` +
      `(${(large.stateFileBytes / 1e6).toFixed(1)} MB; owner helper pid ${large.ownerPid}, listenCheck:false, already healthy): ` +
      `answering after ${(large.startMs / 1000).toFixed(2)} s, RSS ${large.rssAfterStartMb === null ? 'n/a' : `${large.rssAfterStartMb.toFixed(1)} MiB`} then`,
    `  first cycle ${large.firstCycle.durationMs.toFixed(1)} ms; cycles ${large.cycles.map((c) => c.durationMs.toFixed(1)).join(', ')} ms, each checked ${large.cycles[0]?.checked ?? 0}` +
      `${large.cpu ? `; daemon CPU ${large.cpu.cpuMs.toFixed(0)} ms in ${(large.cpu.windowMs / 1000).toFixed(1)} s` : ''}`,
    `  status over ${large.status.allocations.toLocaleString('en-US')}: reply ${(large.status.replyBytes / 1e6).toFixed(1)} MB; p50 ${large.status.latency.p50Ms.toFixed(1)} / max ${large.status.latency.maxMs.toFixed(1)} ms ` +
      `(client JSON.parse ≈ ${large.status.clientParseMs.toFixed(1)} ms)`,
    ...large.pairs.map((pairs) => `  ${renderSizedPairs(pairs)}`),
  ];
  if (large.memory !== null) {
    lines.push(
      `  daemon memory: RSS ${large.memory.rssMb.toFixed(1)} MiB, peak ${large.memory.peakRssMb.toFixed(1)} MiB` +
        `${large.heap !== null ? `; V8 heap used ${large.heap.usedMb.toFixed(1)} / total ${large.heap.totalMb.toFixed(1)} MiB` : ''}`,
    );
  }
  for (const problem of large.problems) lines.push(`  note: ${problem}`);
  return lines;
}

function renderGetPort(ref: GetPortReference): string[] {
  const cross = ref.crossProcess;
  return [
    `reference: get-port ${ref.version} in the bench process, range ${ref.range.start}-${ref.range.end}, bind-tests ${ref.hostsTested} addresses per candidate port; ` +
      `"release" = clearLockedPorts()`,
    `  1 caller: ${numberFormat.format(ref.sequential.calls)} calls in ${ref.sequential.ms.toFixed(0)} ms; p50 ${ref.sequential.latency.p50Ms.toFixed(2)} / p99 ${ref.sequential.latency.p99Ms.toFixed(2)} ms`,
    `  ${ref.concurrent.callers} callers: ${ref.concurrent.rounds} rounds, ${numberFormat.format(ref.concurrent.calls)} calls in ${ref.concurrent.ms.toFixed(0)} ms; ` +
      `p50 ${ref.concurrent.latency.p50Ms.toFixed(2)} / p99 ${ref.concurrent.latency.p99Ms.toFixed(2)} ms; duplicates inside a round ${ref.concurrent.duplicates}`,
    `  two processes at once, same range: ${cross === null ? 'n/a' : `got ${cross.ports.join(' and ')}${cross.same ? ' — the same port: get-port is not exclusive across processes' : ''}`}`,
  ];
}

function renderColdStart(cli: ColdStartResult): string[] {
  const w = (label: string, s: ColdStartResult['floor']): string =>
    `    ${label.padEnd(44)} p50 ${s.p50Ms.toFixed(1).padStart(6)}  p95 ${s.p95Ms.toFixed(1).padStart(6)}  min ${s.minMs.toFixed(1).padStart(6)}  max ${s.maxMs.toFixed(1).padStart(6)} ms`;
  const lines = [
    `cli cold start of ${cli.root}: ${cli.runs} runs each, interleaved, fresh processes against the bench daemon (spawn to exit, ms):`,
    w('node dist-bench/bench/empty-entry.js', cli.floor),
    w('node import-cost-child.js (import main.js only)', cli.loadOnly),
    w('node bin/ports --version', cli.version),
    w(`node bin/ports allocate --no-pid --range ${cli.range.start}-${cli.range.end}`, cli.allocate),
    w('node bin/ports release PORT', cli.release),
  ];
  if (cli.imports !== null) {
    const byRole = new Map<string, number>();
    for (const step of cli.imports.steps) byRole.set(step.role, (byRole.get(step.role) ?? 0) + step.ms);
    lines.push(
      `  imports one by one (marginal ms, median of ${cli.runs}): total ${cli.imports.totalMs.toFixed(1)} ms = ` +
        [...byRole].map(([role, ms]) => `${role} ${ms.toFixed(1)}`).join(' + '),
      `    heaviest: ${[...cli.imports.steps]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 8)
        .map((step) => `${step.label} ${step.ms.toFixed(1)}${step.role === 'allocate' ? '' : ` (${step.role})`}`)
        .join(', ')}`,
    );
  }
  if (cli.graph !== null) {
    lines.push(
      `  loaded at start of \`ports allocate\`: ${cli.graph.esm} ES modules + ${cli.graph.cjs} CommonJS files + ${cli.graph.builtins} node: builtins imported by name; ` +
        cli.graph.groups.map((g) => `${g.group} ${g.files} files ${(g.bytes / 1024).toFixed(0)} KiB`).join(', '),
    );
  }
  if (cli.profile !== null) {
    lines.push(
      `  one --cpu-prof run of \`ports allocate\` (${cli.profile.totalMs.toFixed(0)} ms profiled): ` +
        cli.profile.categories.map((c) => `${c.category} ${c.ms.toFixed(1)}`).join('; '),
      `    self time by script: ${cli.profile.topScripts.map((t) => `${t.script} ${t.ms.toFixed(1)}`).join(', ')}`,
    );
  }
  return lines;
}

export function printProgress(text: string): void {
  console.error(text);
}

/** The table goes to stdout, or to stderr when stdout carries the JSON (`--json -`). */
export function printReport(report: BenchReport, options: { toStderr: boolean }): void {
  const { settings } = report;
  const say = options.toStderr ? console.error : console.log;
  say(`portkeeper bench — ${report.startedAt} — ${report.command}`);
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
  if (report.large !== null) for (const line of renderLarge(report.large)) say(line);
  if (report.getPort !== null) for (const line of renderGetPort(report.getPort)) say(line);
  if (report.cli !== null) for (const line of renderColdStart(report.cli)) say(line);
  if (report.cliBaseline !== null) for (const line of renderColdStart(report.cliBaseline)) say(line);
  for (const { daemon, pid, profile } of report.daemonProfiles) for (const line of renderProfile(`${daemon} daemon (pid ${pid})`, profile)) say(line);
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
