import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PortsClient } from '../src/client/client.js';
import { readCmdline, readCwd, readProcStat } from '../src/system/proc-stat.js';
import type { BenchDaemon, StartBenchDaemonOptions } from './daemon-process.js';
import { startHelper } from './helper-process.js';
import type { PairsScenarioResult } from './pairs-scenario.js';
import { measureSizedPairs, measureStatus, readHeap, watchCycles, type CycleSample, type SizedPairsSettings } from './scale-scenario.js';
import { median } from './stats.js';

/**
 * The 50,000-allocation proxy. Filling 50,000 through the daemon would take minutes (every
 * durable write rewrites the whole state.json), and a host has fewer free ports than that outside
 * the kernel's ephemeral range to listen on. So the bench writes a state.json holding N
 * allocations straight into a fresh daemon's state folder (schema src/state/schema.ts) and
 * starts the daemon on it. Each allocation is owned by one live helper process (its pid and start
 * time, its cwd and command, as the daemon records them), `listenCheck: false` and already
 * healthy: every health cycle runs the process check and the verdict for all N, but no LISTEN
 * table (N listening sockets do not fit on one host). Ports: 1024-65535 minus the pairs range,
 * in order — the daemon does not bind-test what it loads.
 *
 * Measured: daemon start on that file (spawn until it answers), health cycles, full `status`,
 * durable allocate+release pairs on top (each write now rewrites N records), RSS.
 */
export interface LargeStateSettings {
  allocations: number;
  cycles: number;
  statusRequests: number;
  checkIntervalMs: number;
  pairs: SizedPairsSettings;
}

export interface LargeStateResult {
  allocations: number;
  ownerPid: number;
  stateFileBytes: number;
  /** Spawn of `ports daemon` until it answers `hello`: reads, validates and re-checks the file. */
  startMs: number;
  rssAfterStartMb: number | null;
  firstCycle: CycleSample;
  cycles: CycleSample[];
  cycleMedianMs: number;
  cycleMaxMs: number;
  cpu: { windowMs: number; cpuMs: number; percent: number; perCycleMs: number } | null;
  status: Awaited<ReturnType<typeof measureStatus>>;
  pairs: PairsScenarioResult[];
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
    start(options: Pick<StartBenchDaemonOptions, 'config' | 'preloadState' | 'readyTimeoutMs'>): Promise<BenchDaemon>;
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
    const allocations = ports(settings.allocations, settings.pairs.range).map((port, i) => ({
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
      health: { failures: 0, status: 'healthy', reason: null, lastCheckAt: now },
    }));
    const sticky = Object.fromEntries(allocations.map((a) => [a.service, a.port]));
    const text = JSON.stringify({ schemaVersion: 1, writtenAt: now, allocations, sticky });

    progress(`large: starting a daemon on a state.json of ${settings.allocations.toLocaleString('en-US')} allocations (${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB)…`);
    const t0 = performance.now();
    const daemon = await daemons.start({ config, preloadState: text, readyTimeoutMs: 180_000 });
    const startMs = performance.now() - t0;
    client = await daemon.connect();
    const rssAfterStartMb = (await daemon.readMemory())?.rssMb ?? null;
    const stateFileBytes = await stat(join(daemon.stateDir, 'state.json')).then((s) => s.size);

    progress(`large: ${settings.allocations.toLocaleString('en-US')} allocations loaded in ${(startMs / 1000).toFixed(1)} s; watching ${settings.cycles} health cycles…`);
    const { firstCycle, cycles, cpu, problems } = await watchCycles(client, daemon, {
      count: settings.cycles,
      afterWallMs: Date.now(),
      intervalMs: settings.checkIntervalMs,
      allocations: settings.allocations,
      ticksPerSecond,
    });

    progress(`large: ${settings.statusRequests} status requests, then allocate+release pairs on top of ${settings.allocations.toLocaleString('en-US')}…`);
    const status = await measureStatus(client, settings.statusRequests);
    const pairs = await measureSizedPairs(daemon, settings.allocations, settings.pairs);
    const memory = await daemon.readMemory();
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
        startMs,
        rssAfterStartMb,
        firstCycle,
        cycles,
        cycleMedianMs: median(durations),
        cycleMaxMs: Math.max(...durations),
        cpu,
        status,
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
