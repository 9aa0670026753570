import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Baseline } from './baseline.js';
import type { ColdStartResult } from './cli-cold-start.js';
import type { ProfileTotals } from './cpu-profile.js';
import type { GetPortReference } from './get-port-reference.js';
import type { LargeStateResult } from './large-state-scenario.js';
import type { MachineInfo } from './machine.js';
import type { PairsScenarioResult } from './pairs-scenario.js';
import type { PortserverComparison } from './portserver-scenario.js';
import type { ScaleResult, StatusMeasurement } from './scale-scenario.js';
import { describeReference, formatNumber, type Figure, type TargetRow } from './targets.js';

/**
 * Everything the bench prints. The only module that writes to the console (with
 * portserver-compare.ts, which prints its own table through renderPortserverComparison).
 */
export interface BenchReport {
  schemaVersion: 4;
  /** The exact command line of this run. */
  command: string;
  startedAt: string;
  /** Wall time of the whole run, ms. */
  wallMs: number;
  machine: MachineInfo;
  settings: { warmupMs: number; durationMs: number; range: { start: number; end: number }; owner: 'reservation (pid null)' };
  /** The pairs daemon: its pid, and its start with an empty state (spawn to first answer). */
  daemon: { pid: number; startMs: number; warmUp: PairsScenarioResult | null };
  baseline: Baseline;
  scenarios: PairsScenarioResult[];
  /** The HealthMonitor at scale (a second daemon); null with `--scale none`. */
  scale: (ScaleResult & { daemonPid: number }) | null;
  /** The preloaded-state proxy (a third daemon); null with `--large none`. */
  large: (LargeStateResult & { daemonPid: number }) | null;
  /** The portserver protocol against Google's portserver; null with `--portserver none`. */
  portserver: PortserverComparison | null;
  getPort: GetPortReference | null;
  cli: ColdStartResult | null;
  /** The same for another checkout (`--cli-baseline DIR`). */
  cliBaseline: ColdStartResult | null;
  /** Where each bench daemon's CPU time went (`--cpu-prof DIR`); empty without it. */
  daemonProfiles: Array<{ daemon: 'pairs' | 'scale' | 'large' | 'large start-up'; pid: number; profile: ProfileTotals }>;
  /** The contract's target rows, in its order, each with its figure (or why it was not measured). */
  targets: TargetRow[];
  /** Every figure: the target ones first, then the informational ones. */
  figures: Figure[];
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function formatRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return 'n/a';
  return `${ratio.toFixed(ratio < 0.1 ? 3 : 2)}×`;
}

function formatMet(met: boolean | null): string {
  if (met === null) return '—';
  return met ? 'yes' : 'NO';
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, leftColumns: number): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => (column < leftColumns ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column < leftColumns ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** The contract's rows: measured, what it is compared with, the ratio, the target ratio, met. */
export function renderTargets(rows: readonly TargetRow[]): string {
  const header = ['#', 'contract target', 'measured', 'compared with', 'ratio', 'target', 'met?'];
  const body = rows.map((row, index) => {
    const f = row.figure;
    if (f === null || f.target === null) return [String(index + 1), `${row.what} (${row.target})`, 'not measured', row.skipped ?? '', '', '', '—'];
    const t = f.target;
    const sign = t.comparison === 'at least' ? '≥' : '≤';
    return [String(index + 1), `${row.what} (${row.target})`, formatNumber(f.value, f.unit), describeReference(t), formatRatio(f.ratio), `${sign} ${t.factor}×`, formatMet(f.met)];
  });
  const notes = rows.flatMap((row, index) => (row.figure?.note !== undefined ? [`  ${index + 1}. ${row.figure.metric}: ${row.figure.note}`] : []));
  return [table(header, body, 2), ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

/** Informational figures, one table per group. */
export function renderDetails(figures: readonly Figure[]): string {
  const groups = new Map<string, Figure[]>();
  for (const f of figures) if (f.contract === null) groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
  const out: string[] = [];
  for (const [group, list] of groups) {
    out.push(`${group}:`, table(['metric', 'measured'], list.map((f) => [f.metric, formatNumber(f.value, f.unit)]), 1), '');
  }
  return out.join('\n');
}

function renderMachine(machine: MachineInfo): string {
  const ephemeral = machine.ephemeralRange ? `${machine.ephemeralRange.start}-${machine.ephemeralRange.end}` : 'unknown';
  return [
    `node ${machine.node} on ${machine.platform}`,
    `${machine.cpus} CPUs (${machine.cpuModel}), ${numberFormat.format(machine.totalMemoryMb)} MiB RAM`,
    `state file on ${machine.stateFileSystem}; kernel ephemeral range ${ephemeral}; load average ${machine.loadAverage.map((n) => n.toFixed(2)).join(' ')} at start`,
  ].join('\n');
}

function renderWork(result: PairsScenarioResult): string {
  const w = result.work;
  const parts = [`${numberFormat.format(w.requests)} requests in ${(w.wallMs / 1000).toFixed(1)} s (warm-up included)`];
  if (w.appends !== null) parts.push(`${numberFormat.format(w.appends)} journal appends = ${numberFormat.format(w.appendsPerSecond ?? 0)}/s, ${w.requestsPerAppend?.toFixed(1) ?? 'n/a'} requests per append`);
  if (w.daemonCpuMsPerRequest !== null) {
    const user = w.daemonUserShare === null ? '' : ` (${(w.daemonUserShare * 100).toFixed(0)} % user, the rest kernel)`;
    parts.push(`daemon CPU ${(w.daemonCpuMsPerRequest * 1000).toFixed(0)} µs per request${user}`);
  }
  if (w.daemonContextSwitchesPerRequest !== null) parts.push(`${w.daemonContextSwitchesPerRequest.toFixed(1)} daemon context switches per request`);
  return parts.join('; ');
}

function renderScenarioLine(result: PairsScenarioResult): string {
  return (
    `  ${result.name}: ${numberFormat.format(result.pairs)} pairs in ${result.measuredMs} ms; ` +
    `allocate p50 ${result.allocate.p50Ms.toFixed(2)} / p99 ${result.allocate.p99Ms.toFixed(2)} / max ${result.allocate.maxMs.toFixed(1)} ms; ` +
    `release p50 ${result.release.p50Ms.toFixed(2)} / p99 ${result.release.p99Ms.toFixed(2)} ms` +
    renderCpu(result) +
    `\n      ${renderWork(result)}; load average ${result.loadAverage.map((n) => n.toFixed(2)).join(' ')} at its start`
  );
}

function renderWarmUp(result: PairsScenarioResult): string {
  return `${result.name} (not measured, JIT warm-up): ${result.pairsPerSecond.toFixed(0)} pairs/s over ${(result.measuredMs / 1000).toFixed(1)} s; ${renderWork(result)}`;
}

function renderStatus(label: string, s: StatusMeasurement): string {
  const size = s.replyBytes >= 1e6 ? `${(s.replyBytes / 1e6).toFixed(2)} MB` : `${(s.replyBytes / 1e3).toFixed(1)} KB`;
  return (
    `${label}: reply ${size}; p50 ${s.latency.p50Ms.toFixed(2)} / p99 ${s.latency.p99Ms.toFixed(2)} / max ${s.latency.maxMs.toFixed(1)} ms over ${s.latency.count}` +
    ` (the client's JSON.parse of one reply ≈ ${s.clientParseMs.toFixed(2)} ms)`
  );
}

function renderStateBytes(bytes: { snapshotBytes: number | null; journalBytes: number }): string {
  return `state.json ${bytes.snapshotBytes === null ? 'absent' : `${(bytes.snapshotBytes / 1e6).toFixed(2)} MB`}, journal ${(bytes.journalBytes / 1e3).toFixed(1)} KB`;
}

function renderScale(scale: ScaleResult & { daemonPid: number }): string[] {
  const { settings } = scale;
  const ranges = settings.ranges.map((r) => `${r.start}-${r.end}`).join(', ');
  const lines = [
    `scale: a second daemon (pid ${scale.daemonPid}) with health_monitoring check_interval_ms ${settings.checkIntervalMs}, ` +
      `max_failures ${settings.maxFailures}, startup_grace_ms 0; allocations owned by helper pid ${scale.ownerPid}, ` +
      `from ${ranges}, ${scale.listenNote}; load average ${scale.loadAverage.map((n) => n.toFixed(2)).join(' ')} at its start`,
    ...(scale.warmUp !== null ? [`  ${renderWarmUp(scale.warmUp)}`] : []),
    ...scale.emptyPairs.map((pairs) => `  ${renderSizedPairs(pairs)}`),
  ];
  for (const level of scale.levels) {
    const cycles = level.cycles.map((c) => c.durationMs.toFixed(1)).join(', ');
    const cpu = level.cpu ? `; daemon CPU ${level.cpu.cpuMs.toFixed(0)} ms in ${(level.cpu.windowMs / 1000).toFixed(1)} s` : '';
    lines.push(
      `  ${level.allocations.toLocaleString('en-US')} allocations: +${level.fill.added} in ${(level.fill.ms / 1000).toFixed(1)} s ` +
        `(allocate p50 ${level.fill.allocate.p50Ms.toFixed(1)} / p99 ${level.fill.allocate.p99Ms.toFixed(1)} ms at 64 in flight); ` +
        `first cycle ${level.firstCycle.durationMs.toFixed(1)} ms, then ${cycles} ms, each checked ${level.cycles[0]?.checked ?? 0}${cpu}` +
        `${level.rssMb !== null ? `; daemon RSS ${level.rssMb.toFixed(1)} MiB` : ''}; ${renderStateBytes(level.stateBytes)}`,
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
  const n = scale.status.allocations.toLocaleString('en-US');
  lines.push(
    `  ${renderStatus(`status {summary: true} over ${n}`, scale.statusSummary)}`,
    `  ${renderStatus(`status {limit: ${scale.statusPage.limit}} over ${n}`, scale.statusPage)}`,
    `  ${renderStatus(`status (full list) over ${n}`, scale.status)}`,
    `  ${renderStateBytes(scale.stateBytes)} at the end`,
    ...(scale.memory !== null
      ? [
          `  daemon memory with ${scale.memory.allocations.toLocaleString('en-US')} allocations: RSS ${scale.memory.rssMb.toFixed(1)} MiB, peak ${scale.memory.peakRssMb.toFixed(1)} MiB ` +
            `(${scale.rssAtStartMb === null ? 'n/a' : `${scale.rssAtStartMb.toFixed(1)} MiB`} at start with none)` +
            (scale.heap !== null
              ? `; V8 heap used ${scale.heap.usedMb.toFixed(1)} / total ${scale.heap.totalMb.toFixed(1)} MiB, ` +
                `external ${scale.heap.externalMb === null ? 'n/a' : `${scale.heap.externalMb.toFixed(1)} MiB`} (daemon's own metrics)`
              : ''),
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
    `pairs, ${result.name}: ${numberFormat.format(result.pairs)} in ${result.measuredMs} ms = ${result.pairsPerSecond.toFixed(1)}/s; ` +
    `allocate p50 ${result.allocate.p50Ms.toFixed(2)} / p99 ${result.allocate.p99Ms.toFixed(2)} ms; release p50 ${result.release.p50Ms.toFixed(2)} ms` +
    renderCpu(result) +
    `; ${renderWork(result)}`
  );
}

function renderLarge(large: LargeStateResult & { daemonPid: number }): string[] {
  const n = large.allocations.toLocaleString('en-US');
  const mem = (m: { rssMb: number; peakRssMb: number } | null): string => (m === null ? 'n/a' : `RSS ${m.rssMb.toFixed(1)} MiB, peak ${m.peakRssMb.toFixed(1)} MiB`);
  const lines = [
    `large: a third daemon (pid ${large.daemonPid}) started on a preloaded snapshot (schemaVersion 2, no journal) of ${n} allocations ` +
      `(${(large.stateFileBytes / 1e6).toFixed(1)} MB; owner helper pid ${large.ownerPid}, listenCheck:false): ` +
      `answering ${large.startMs.toFixed(0)} ms after spawn, RSS ${large.rssAfterStartMb === null ? 'n/a' : `${large.rssAfterStartMb.toFixed(1)} MiB`} then`,
    `  the same snapshot parsed in the bench process with the daemon's code (best of 2): JSON.parse ${large.parseMs.json.toFixed(0)} ms, ` +
      `parseSnapshot (JSON.parse + migrate + schema validation) ${large.parseMs.snapshot.toFixed(0)} ms`,
    `  first cycle ${large.firstCycle.durationMs.toFixed(1)} ms; cycles ${large.cycles.map((c) => c.durationMs.toFixed(1)).join(', ')} ms, each checked ${large.cycles[0]?.checked ?? 0}` +
      `${large.cpu ? `; daemon CPU ${large.cpu.cpuMs.toFixed(0)} ms in ${(large.cpu.windowMs / 1000).toFixed(1)} s` : ''}; memory after them: ${mem(large.memoryAfterCycles)}`,
    `  ${renderStatus(`status {summary: true} over ${n}`, large.statusSummary)}`,
    `  ${renderStatus(`status (full list) over ${n}`, large.status)}`,
    ...large.pairs.map((pairs) => `  ${renderSizedPairs(pairs)}`),
    `  at the end: ${mem(large.memory)}` +
      `${large.heap !== null ? `; V8 heap used ${large.heap.usedMb.toFixed(1)} / total ${large.heap.totalMb.toFixed(1)} MiB` : ''}; ${renderStateBytes(large.stateAfter)}`,
  ];
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

const processStart = performance.now();

/** Usage text on stderr, as is. */
export function printUsage(text: string): void {
  console.error(text);
}

/** Progress on stderr, each line with the seconds since the bench started. */
export function printProgress(text: string): void {
  console.error(`[${((performance.now() - processStart) / 1000).toFixed(1).padStart(5)} s] ${text}`);
}

/** The table goes to stdout, or to stderr when stdout carries the JSON (`--json -`). */
function renderFloor(baseline: Baseline): string[] {
  const f = baseline.floor;
  const w = (label: string, l: Baseline['floor']['dsync']): string =>
    `    ${label.padEnd(40)} p50 ${l.p50Ms.toFixed(3)}  p95 ${l.p95Ms.toFixed(3)}  p99 ${l.p99Ms.toFixed(3)}  mean ${l.meanMs.toFixed(3)}  max ${l.maxMs.toFixed(2)} ms (${numberFormat.format(l.count)} samples)`;
  return [
    `disk floor: ${f.lineBytes}-byte journal lines appended in a folder next to the pairs daemon's state folder (${f.fileSystem}), the two methods interleaved, sampled before and after the pairs runs:`,
    w('O_APPEND|O_DSYNC, one write() (as the daemon)', f.dsync),
    w('O_APPEND write() + fdatasync()', f.fdatasync),
    `    CPU of the bench process per append (all threads): O_DSYNC ${f.cpuPerAppendUs.dsync.user.toFixed(0)} µs user + ${f.cpuPerAppendUs.dsync.system.toFixed(0)} µs system; ` +
      `write + fdatasync ${f.cpuPerAppendUs.fdatasync.user.toFixed(0)} + ${f.cpuPerAppendUs.fdatasync.system.toFixed(0)} µs`,
    `    phases: ${f.phases.map((p) => `${p.label} p50 ${p.dsyncP50Ms.toFixed(3)} / ${p.fdatasyncP50Ms.toFixed(3)} ms`).join('; ')}`,
    `  floor = 1000 / (2 × ${f.p50Ms.toFixed(3)} ms, the ${f.basis} p50) = ${numberFormat.format(f.pairsPerSecond)} pairs/s ` +
      `(from write + fdatasync it would be ${numberFormat.format(f.fdatasyncPairsPerSecond)}); the allocate-p99 target uses the ${f.basis} p99 ${f.p99Ms.toFixed(3)} ms`,
    `  snapshot write (temp file, fsync, rename, fsync folder; compaction pays it off the request path): p50 ${baseline.snapshotWrite.p50Ms.toFixed(2)} / p99 ${baseline.snapshotWrite.p99Ms.toFixed(2)} ms; ` +
      `Unix-socket round trip ${baseline.socketRoundTripUs.toFixed(0)} µs`,
  ];
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The portserver comparison: one row per client count, then every run (also used by portserver-compare.ts). */
export function renderPortserverComparison(result: PortserverComparison, targets: ReadonlyMap<number, number>): string {
  if (result.skipped !== null) return `portserver protocol: comparison skipped: ${result.skipped}`;
  const cells = (summary: { requestsPerSecond: number; p50Ms: number; p99Ms: number; serverCpuMsPerRequest: number | null }): string[] => [
    fixed(summary.requestsPerSecond, 0),
    fixed(summary.p50Ms, 2),
    fixed(summary.p99Ms, 2),
    summary.serverCpuMsPerRequest === null ? 'n/a' : fixed(summary.serverCpuMsPerRequest, 3),
  ];
  const header = ['clients', 'requests', 'ours req/s', 'p50 ms', 'p99 ms', 'cpu ms/req', 'ref req/s', 'p50 ms', 'p99 ms', 'cpu ms/req', 'ours/ref', 'target', 'met?'];
  const rows = result.rows.map((row) => {
    const target = targets.get(row.clients);
    return [
      String(row.clients),
      String(row.requests),
      ...cells(row.ours),
      ...cells(row.reference),
      `${fixed(row.ratio, 2)}×`,
      target === undefined ? '—' : `≥ ${target}×`,
      target === undefined ? '—' : row.ratio >= target ? 'yes' : 'no',
    ];
  });
  const runs = result.rows.flatMap((row) =>
    row.runs.map(
      (run) =>
        `  ${run.load.clients} clients, round ${run.round}, ${run.server.padEnd(10)} (pid ${run.serverPid}): ${fixed(run.load.requestsPerSecond, 0)} req/s, ` +
        `p50 ${fixed(run.load.latency.p50Ms, 2)} / p99 ${fixed(run.load.latency.p99Ms, 2)} / max ${fixed(run.load.latency.maxMs, 1)} ms, ` +
        `1st/2nd half ${fixed(run.load.halves.firstPerSecond, 0)}/${fixed(run.load.halves.secondPerSecond, 0)} req/s; ` +
        `ok ${run.load.ok}, refused ${run.load.refused}, errors ${run.load.errors}; load process CPU ${fixed(run.load.loadCpuMs, 0)} ms in ${fixed(run.load.wallMs, 0)} ms`,
    ),
  );
  return [
    `portserver protocol: portkeeper vs Google portserver ${result.referenceVersion} (python3-portpicker), pool ${result.pool.start}-${result.pool.end}, ` +
      `${result.rounds} round${result.rounds === 1 ? '' : 's'} A/B per client count (fresh servers each run, medians shown), ${result.warmup} warm-up requests per run, ${result.cpus} CPUs`,
    "(cpu ms/req: the server process's CPU over the load process's life, warm-up included, per request)",
    '',
    table(header, rows, 0),
    '',
    'runs:',
    ...runs,
    ...(result.problems.length > 0 ? ['', 'problems (these rows are not a plain comparison):', ...result.problems.map((p) => `  ${p}`)] : []),
  ].join('\n');
}

/** PRODUCT.md: ≥ 0.8× the reference at 1 client, ≥ 2× at 16 clients. */
export const PORTSERVER_TARGETS: ReadonlyMap<number, number> = new Map([
  [1, 0.8],
  [16, 2],
]);

/** The table goes to stdout, or to stderr when stdout carries the JSON (`--json -`). */
export function printReport(report: BenchReport, options: { toStderr: boolean }): void {
  const { settings } = report;
  const say = options.toStderr ? console.error : console.log;
  say(`portkeeper bench — ${report.startedAt} — ${report.command} — ${(report.wallMs / 1000).toFixed(0)} s`);
  say(renderMachine(report.machine));
  say(
    `pairs: each client allocates (--no-pid, range ${settings.range.start}-${settings.range.end}) then releases, one request in flight; ` +
      `${settings.warmupMs} ms warm-up, ${settings.durationMs} ms measured; pairs daemon pid ${report.daemon.pid}`,
  );
  say('');
  say('Targets (shared/design/PRODUCT.md → Targets), each against its reference from this run:');
  say('');
  say(renderTargets(report.targets));
  const measured = report.targets.filter((row) => row.figure !== null);
  const missed = measured.filter((row) => row.figure?.met === false);
  say('');
  say(
    `${measured.length - missed.length} of ${measured.length} measured targets met` +
      `${report.targets.length > measured.length ? `, ${report.targets.length - measured.length} not measured in this run` : ''}` +
      `${missed.length > 0 ? ` (missed: ${missed.map((row) => rowNumber(report.targets, row)).join(', ')}; a benchmark: reported, never a failure)` : ''}.`,
  );
  say('');
  say('Details:');
  say('');
  say(renderDetails(report.figures));
  for (const line of renderFloor(report.baseline)) say(line);
  say(`pairs daemon (pid ${report.daemon.pid}): answering ${report.daemon.startMs.toFixed(0)} ms after spawn with an empty state`);
  if (report.daemon.warmUp !== null) say(`  ${renderWarmUp(report.daemon.warmUp)}`);
  for (const result of report.scenarios) say(renderScenarioLine(result));
  if (report.scale !== null) for (const line of renderScale(report.scale)) say(line);
  if (report.large !== null) for (const line of renderLarge(report.large)) say(line);
  if (report.portserver !== null) say(renderPortserverComparison(report.portserver, PORTSERVER_TARGETS));
  if (report.getPort !== null) for (const line of renderGetPort(report.getPort)) say(line);
  if (report.cli !== null) for (const line of renderColdStart(report.cli)) say(line);
  if (report.cliBaseline !== null) for (const line of renderColdStart(report.cliBaseline)) say(line);
  for (const { daemon, pid, profile } of report.daemonProfiles) for (const line of renderProfile(`${daemon} daemon (pid ${pid})`, profile)) say(line);
}

function rowNumber(rows: readonly TargetRow[], row: TargetRow): string {
  return `#${rows.indexOf(row) + 1}`;
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
