import type { PortsClient } from '../src/client/client.js';
import { newHealth, type Allocation } from '../src/protocol/allocation.js';
import { parseSnapshot, renderSnapshotSync } from '../src/state/snapshot.js';
import { readCmdline, readCwd, readProcStat } from '../src/system/proc-stat.js';
import { readStateSizes, type BenchDaemon, type StartBenchDaemonOptions } from './daemon-process.js';
import { startHelper } from './helper-process.js';
import { warmUpDaemon, type PairsScenarioResult } from './pairs-scenario.js';
import { measureSizedPairs, measureStatus, readHeap, watchCycles, type CycleSample, type SizedPairsSettings } from './scale-scenario.js';
import { median, msSince } from './stats.js';

/**
 * The 50,000-allocation proxy. A host has fewer free ports than that outside the kernel's
 * ephemeral range to listen on, so the bench writes a state.json snapshot (schemaVersion 2,
 * rendered by the daemon's own src/state/snapshot.ts, no journal) holding N allocations straight
 * into a fresh daemon's state folder and starts the daemon on it. Each allocation is owned by one
 * live helper process (its pid and start time, its cwd and command, as the daemon records them),
 * `listenCheck: false`: every health cycle runs the process check and the verdict for all N, but
 * no LISTEN table (N listening sockets do not fit on one host). Ports: 1024-65535 minus the pairs
 * range, in order — the daemon does not bind-test what it loads. The sticky map holds the newest
 * `sticky_max_entries` (10,000 by default) services, as a daemon that made them would.
 *
 * Measured: daemon start on that snapshot (spawn until it answers, polled every 5 ms), health
 * cycles, `status` (summary and full), durable allocate+release pairs on top, RSS.
 */
export interface LargeStateSettings {
  allocations: number;
  cycles: number;
  statusRequests: number;
  checkIntervalMs: number;
  pairs: SizedPairsSettings;
  /** Sticky entries written (the daemon's sticky_max_entries). */
  stickyEntries: number;
  /** Unmeasured pairs before the measured ones (JIT warm-up), ms; 0: none. */
  warmUpMs: number;
}

export interface LargeStateResult {
  allocations: number;
  ownerPid: number;
  /** The preloaded snapshot's size; `stateAfter` what is on disk at the end (a start may rewrite it). */
  stateFileBytes: number;
  stateAfter: { snapshotBytes: number | null; journalBytes: number };
  /** Spawn of `ports daemon` until it answers `hello`: reads, validates and re-checks the file. */
  startMs: number;
  /** When it first answered (monotonic µs), to slice its CPU profile with. */
  answeredAtUs: number;
  rssAfterStartMb: number | null;
  /**
   * The snapshot's parse measured in the bench process with the daemon's own code, best of 2:
   * JSON.parse alone, and parseSnapshot (JSON.parse, migrate, schema validation of every record).
   */
  parseMs: { json: number; snapshot: number };
  /** VmRSS / VmHWM after the cycles, before any status request or pairs (MiB). */
  memoryAfterCycles: { rssMb: number; peakRssMb: number } | null;
  firstCycle: CycleSample;
  cycles: CycleSample[];
  cycleMedianMs: number;
  cycleMaxMs: number;
  cpu: { windowMs: number; cpuMs: number; percent: number; perCycleMs: number } | null;
  status: Awaited<ReturnType<typeof measureStatus>>;
  statusSummary: Awaited<ReturnType<typeof measureStatus>>;
  pairs: PairsScenarioResult[];
  /** VmRSS / VmHWM at the end: after cycles, status requests and pairs (the RSS target's reading). */
  memory: { rssMb: number; peakRssMb: number } | null;
  heap: Awaited<ReturnType<typeof readHeap>> | null;
  problems: string[];
}

function ports(count: number, skip: { start: number; end: number }): number[] {
  const out: number[] = [];
  for (let port = 1024; port <= 65535 && out.length < count; port++) if (port < skip.start || port > skip.end) out.push(port);
  if (out.length < count) throw new Error(`Only ${out.length} ports outside ${skip.start}-${skip.end}: --large must be at most that`);
  return out;
}

export async function runLargeStateScenario(
  settings: LargeStateSettings,
  daemons: {
    start(options: Pick<StartBenchDaemonOptions, 'config' | 'preloadState' | 'readyTimeoutMs' | 'pollMs'>): Promise<BenchDaemon>;
    /** Stops it (before its allocations' owner goes away). */
    stop(daemon: BenchDaemon): Promise<void>;
  },
  config: Record<string, unknown>,
  ticksPerSecond: number,
  progress: (text: string) => void,
): Promise<LargeStateResult & { daemonPid: number }> {
  const helper = await startHelper();
  let client: PortsClient | null = null;
  try {
    const procStat = await readProcStat(helper.pid);
    if (procStat === null) throw new Error(`cannot read /proc/${helper.pid}/stat: the large-state proxy needs Linux /proc`);
    const cwd = await readCwd(helper.pid);
    const command = (await readCmdline(helper.pid))?.join(' ') ?? null;
    const now = new Date().toISOString();
    const allocations: Allocation[] = ports(settings.allocations, settings.pairs.range).map((port, i) => ({
      port,
      service: `pkb-large-${i + 1}`,
      type: null,
      pid: helper.pid,
      pidStartTime: procStat.startTime,
      owner: null,
      cwd,
      command,
      createdAt: now,
      expiresAt: null,
      ttlMs: null,
      listenCheck: false,
      healthUrl: null,
      healthAction: null,
      health: newHealth(),
    }));
    const sticky = allocations.slice(-settings.stickyEntries).map((a) => [a.service as string, a.port] as const);
    const text = renderSnapshotSync({ journalSeq: 0, allocations, sticky }, Date.now());
    const parseMs = { json: Number.POSITIVE_INFINITY, snapshot: Number.POSITIVE_INFINITY };
    for (let i = 0; i < 2; i++) {
      let started = process.hrtime.bigint();
      JSON.parse(text);
      parseMs.json = Math.min(parseMs.json, msSince(started));
      started = process.hrtime.bigint();
      parseSnapshot(text, 'bench');
      parseMs.snapshot = Math.min(parseMs.snapshot, msSince(started));
    }

    progress(`large: starting a daemon on a state.json of ${settings.allocations.toLocaleString('en-US')} allocations (${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB)…`);
    const daemon = await daemons.start({ config, preloadState: text, readyTimeoutMs: 180_000, pollMs: 5 });
    const startMs = daemon.startMs;
    client = await daemon.connect();
    const rssAfterStartMb = (await daemon.readMemory())?.rssMb ?? null;
    const stateFileBytes = Buffer.byteLength(text);

    progress(`large: ${settings.allocations.toLocaleString('en-US')} allocations loaded in ${(startMs / 1000).toFixed(1)} s; watching ${settings.cycles} health cycles…`);
    const { firstCycle, cycles, cpu, problems } = await watchCycles(client, daemon, {
      count: settings.cycles,
      afterWallMs: Date.now(),
      intervalMs: settings.checkIntervalMs,
      allocations: settings.allocations,
      ticksPerSecond,
    });

    const memoryAfterCycles = await daemon.readMemory();
    progress(`large: status requests (summary, full), then allocate+release pairs on top of ${settings.allocations.toLocaleString('en-US')}…`);
    const statusSummary = await measureStatus(client, settings.statusRequests * 10, { summary: true });
    const status = await measureStatus(client, settings.statusRequests);
    if (settings.warmUpMs > 0) await warmUpDaemon({ range: settings.pairs.range, connect: () => daemon.connect(), ms: settings.warmUpMs });
    const pairs = await measureSizedPairs(daemon, settings.allocations, settings.pairs);
    const memory = await daemon.readMemory();
    const stateAfter = await readStateSizes(daemon.stateDir);
    const heap = await readHeap(client).catch(() => null);
    const durations = cycles.map((cycle) => cycle.durationMs);
    await client.close().catch(() => client?.destroy());
    client = null;
    await daemons.stop(daemon);
    return {
        daemonPid: daemon.pid,
        allocations: settings.allocations,
        ownerPid: helper.pid,
        stateFileBytes,
        stateAfter,
        startMs,
        answeredAtUs: daemon.answeredAtUs,
        parseMs,
        rssAfterStartMb,
        memoryAfterCycles,
        firstCycle,
        cycles,
        cycleMedianMs: median(durations),
        cycleMaxMs: Math.max(...durations),
        cpu,
        status,
        statusSummary,
        pairs,
        memory,
        heap,
        problems,
    };
  } finally {
    await client?.close().catch(() => client?.destroy());
    await helper.stop().catch(() => undefined);
  }
}
