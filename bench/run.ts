import { mkdir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { diskFloor, measureMachineExtras, sameDevice, sampleDisk, type Baseline } from './baseline.js';
import { parseBenchArgs, USAGE, UsageError, type BenchArgs } from './args.js';
import { measureCliColdStart } from './cli-cold-start.js';
import { mainThreadBusyPercent, readRawProfiles, summarizeFunctions } from './cpu-profile.js';
import { measureGetPort } from './get-port-reference.js';
import { runLargeStateScenario } from './large-state-scenario.js';
import { startBenchDaemon, type BenchDaemon } from './daemon-process.js';
import { stopAllHelpers } from './helper-process.js';
import { chooseBenchRange, chooseScaleRanges, describeMachine, rangesCapacity } from './machine.js';
import { runPairsScenario, WARM_UP_CLIENTS, warmUpDaemon, type PairsScenarioResult } from './pairs-scenario.js';
import { runPortserverComparison, stopPortserverProcesses } from './portserver-scenario.js';
import { printFailure, printProgress, printReport, printUsage, writeJsonReport, type BenchReport } from './report.js';
import { clockTicksPerSecond, runScaleScenario, scaleDaemonConfig, type ScaleSettings, type SizedPairsSettings } from './scale-scenario.js';
import {
  baselineFigures,
  coldStartFigures,
  getPortFigures,
  largeFigures,
  memoryFigures,
  portserverFigures,
  scaleFigures,
  scenarioFigures,
  targetRows,
  type TargetInputs,
} from './targets.js';

/**
 * `npm run bench` (issue 9 §5), in one run: the disk floor (an append made durable in the
 * state folder's file system), durable allocate+release pairs at 1/8/32/128 clients against a
 * real daemon process, the `ports` CLI's cold start against Node's own, get-port doing the same
 * allocate work in process (a reference row), the HealthMonitor at scale in a second daemon
 * (pairs with none and with 1k / 10k live allocations held, health cycles, `status` summary /
 * page / full list, RSS, owner death to release), a third daemon started on a preloaded
 * snapshot of 50k allocations (start-up, cycles, status, pairs, RSS), and the portserver
 * protocol against Google's `/usr/bin/portserver` with the same load. Every contract target is
 * printed first, beside its reference from this same run, as a ratio.
 * A benchmark, not a test: missed targets exit 0; only a broken bench (a daemon would not
 * start, a request failed) exits non-zero. The entry file is the only place that sets the exit code.
 */
const daemons = new Set<BenchDaemon>();

/** Health settings of the scale daemon: owner death must be released within 1000 × 3 + 1000 ms. */
const SCALE_CHECK_INTERVAL_MS = 1000;
const SCALE_MAX_FAILURES = 3;
/** The disk floor is sampled this long before the pairs runs and again after them. */
const FLOOR_PHASE_MS = 1500;
/** The daemon's default sticky_max_entries (config/default.json), for the preloaded snapshot. */
const STICKY_MAX_ENTRIES = 10_000;

/** Past this the bench is stuck (a request never answered): stop the daemons and fail. */
function watchdogMs(args: BenchArgs): number {
  const floor = 2 * FLOOR_PHASE_MS + 10_000;
  const pairs = (args.clientCounts.length + 1) * (args.warmupMs + args.durationMs + 15_000) + args.warmUpMs;
  const sized = args.sizedPairsClients.length * (args.sizedPairsMs * 1.1 + 20_000);
  // Per count: filling (generous), the settle cycle and the measured ones, pairs; then status and owner death.
  const scale = args.scaleCounts.length === 0 ? 0 : 90_000 + args.warmUpMs + sized + args.scaleCounts.length * (60_000 + sized + (args.cycles + 3) * SCALE_CHECK_INTERVAL_MS * 2);
  const cli = args.cliRuns === 0 ? 0 : (args.cliBaseline === null ? 1 : 2) * (60_000 + args.cliRuns * 6 * 3_000);
  const getPort = 2 * args.durationMs + args.warmupMs + 20_000;
  const large = args.largeCount === null ? 0 : 240_000 + args.warmUpMs + sized + (args.cycles + 3) * SCALE_CHECK_INTERVAL_MS * 10;
  // Two client counts × rounds × two servers, each run bounded by runTimeoutMs (60 s) plus start and stop.
  const portserver = args.portserver === null ? 0 : 2 * args.portserverRounds * 2 * 75_000;
  return 30_000 + floor + pairs + cli + getPort + scale + large + portserver;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function startDaemon(options: Parameters<typeof startBenchDaemon>[0]): Promise<BenchDaemon> {
  const daemon = await startBenchDaemon(options);
  daemons.add(daemon);
  return daemon;
}

async function stopDaemon(daemon: BenchDaemon): Promise<void> {
  daemons.delete(daemon);
  const exit = await daemon.stop();
  if (exit.killed) printProgress(`warning: daemon pid ${daemon.pid} ignored SIGTERM and was killed`);
  else if (exit.code !== 0) printProgress(`warning: daemon pid ${daemon.pid} exited with code ${exit.code} (signal ${exit.signal})`);
}

/** Everything the bench started: portserver servers and load processes, helper processes (by pid), then the daemons. */
async function stopEverything(): Promise<void> {
  await stopPortserverProcesses();
  await stopAllHelpers();
  for (const daemon of [...daemons]) await stopDaemon(daemon);
}

async function runBench(args: BenchArgs): Promise<void> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const where = args.baseDir !== null ? { baseDir: args.baseDir } : {};
  printProgress('starting a daemon…');
  const profileDir = args.cpuProfDir === null ? null : resolve(args.cpuProfDir);
  if (profileDir !== null) await mkdir(profileDir, { recursive: true });
  const profiling = profileDir !== null ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {};
  const daemon = await startDaemon({ ...where, ...profiling, pollMs: 5 });
  const machine = await describeMachine(daemon.stateDir);
  const range = chooseBenchRange(machine.ephemeralRange);

  printProgress(`warming the daemon up (${WARM_UP_CLIENTS} clients, ${args.warmUpMs} ms, not measured)…`);
  const warmUp = args.warmUpMs > 0 ? await warmUpDaemon({ range, connect: () => daemon.connect(), ms: args.warmUpMs }) : null;

  // The floor is measured in a folder beside the daemon's state folder: same file system, same device.
  const floorParent = dirname(daemon.stateDir);
  if (!(await sameDevice(floorParent, daemon.stateDir))) throw new Error(`${floorParent} and ${daemon.stateDir} are on different devices`);
  printProgress(`measuring the disk floor (O_DSYNC append and write + fdatasync, interleaved, ${FLOOR_PHASE_MS} ms) and the machine…`);
  const floorBefore = await sampleDisk(floorParent, FLOOR_PHASE_MS);
  const extras = await measureMachineExtras({ ...where, ms: 500 });

  const scenarios: PairsScenarioResult[] = [];
  for (const clients of args.clientCounts) {
    const name = clients === 1 ? '1 client' : `${clients} clients`;
    printProgress(`running: ${name}, ${args.warmupMs} ms warm-up + ${args.durationMs} ms…`);
    const bench = daemon;
    scenarios.push(
      await runPairsScenario({
        name,
        clients,
        warmupMs: args.warmupMs,
        durationMs: args.durationMs,
        range,
        connect: () => bench.connect(),
        daemonCpu: () => bench.readCpuSplit(),
        daemonContextSwitches: () => bench.readContextSwitches(),
        journalSeq: () => bench.readJournalSeq(),
      }),
    );
  }
  printProgress(`measuring the disk floor again (${FLOOR_PHASE_MS} ms)…`);
  const floorAfter = await sampleDisk(floorParent, FLOOR_PHASE_MS);
  const baseline: Baseline = {
    floor: diskFloor(
      [
        { label: 'before the pairs', samples: floorBefore },
        { label: 'after the pairs', samples: floorAfter },
      ],
      machine.stateFileSystem,
    ),
    ...extras,
  };

  let cli: BenchReport['cli'] = null;
  let cliBaseline: BenchReport['cliBaseline'] = null;
  if (args.cliRuns > 0) {
    const also = args.cliBaseline !== null ? ` (and of ${args.cliBaseline}, interleaved)` : '';
    printProgress(`cli: timing ${args.cliRuns} fresh \`ports allocate\` / \`release\` / \`--version\` processes against the daemon${also}…`);
    const roots = args.cliBaseline !== null ? [REPO_ROOT, resolve(args.cliBaseline)] : [REPO_ROOT];
    [cli = null, cliBaseline = null] = await measureCliColdStart({ runs: args.cliRuns, range, env: daemon.clientEnv, ...where, roots, progress: printProgress });
  }
  const memory = await daemon.readMemory();
  const daemonPid = daemon.pid;
  await stopDaemon(daemon);

  printProgress(`reference: get-port in process, same range, 1 caller then 32 at once, ${args.durationMs} ms each…`);
  const getPort = await measureGetPort({ range, warmupMs: args.warmupMs, durationMs: args.durationMs, callers: 32, cwd: REPO_ROOT });

  const sizedPairs: SizedPairsSettings = {
    range,
    clients: args.sizedPairsClients,
    warmupMs: args.warmupMs,
    durationMs: args.sizedPairsMs,
  };

  let scale: BenchReport['scale'] = null;
  if (args.scaleCounts.length > 0) {
    const ranges = chooseScaleRanges(machine.ephemeralRange);
    const settings: ScaleSettings = {
      counts: args.scaleCounts,
      cycles: args.cycles,
      statusRequests: 50,
      checkIntervalMs: SCALE_CHECK_INTERVAL_MS,
      maxFailures: SCALE_MAX_FAILURES,
      ownerDeathPorts: 5,
      ranges,
      pairs: sizedPairs,
      warmUpMs: args.warmUpMs,
    };
    const needed = Math.max(...settings.counts) + settings.ownerDeathPorts;
    if (rangesCapacity(ranges) < needed + 500) {
      throw new Error(`The scale run needs ${needed} ports outside the ephemeral range; only ${rangesCapacity(ranges)} in ${ranges.map((r) => `${r.start}-${r.end}`).join(', ')}: pass a smaller --scale`);
    }
    printProgress('starting a second daemon for the HealthMonitor scale run…');
    const scaleDaemon = await startDaemon({ ...where, ...profiling, config: scaleDaemonConfig(settings) });
    const result = await runScaleScenario(scaleDaemon, settings, printProgress);
    scale = { ...result, daemonPid: scaleDaemon.pid };
    await stopDaemon(scaleDaemon);
  }

  let large: BenchReport['large'] = null;
  if (args.largeCount !== null) {
    large = await runLargeStateScenario(
      {
        allocations: args.largeCount,
        cycles: Math.min(args.cycles, 3),
        statusRequests: 5,
        checkIntervalMs: SCALE_CHECK_INTERVAL_MS,
        pairs: sizedPairs,
        stickyEntries: STICKY_MAX_ENTRIES,
        warmUpMs: args.warmUpMs,
      },
      { start: (options) => startDaemon({ ...where, ...profiling, ...options }), stop: stopDaemon },
      scaleDaemonConfig({ checkIntervalMs: SCALE_CHECK_INTERVAL_MS, maxFailures: SCALE_MAX_FAILURES }),
      clockTicksPerSecond(),
      printProgress,
    );
  }

  let portserver: BenchReport['portserver'] = null;
  if (args.portserver !== null) {
    printProgress(`portserver protocol: our daemon's portserver socket against ${args.portserver}, same load, 1 and 16 clients, ${args.portserverRounds} A/B round(s)…`);
    portserver = await runPortserverComparison({
      clientCounts: [1, 16],
      rounds: args.portserverRounds,
      requestsFor: args.portserverRequests,
      referencePath: args.portserver,
      runTimeoutMs: 60_000,
      ...(args.baseDir !== null ? { baseDir: args.baseDir } : {}),
      onProgress: printProgress,
    });
    if (portserver.skipped !== null) printProgress(`portserver protocol: comparison skipped: ${portserver.skipped}`);
  }

  const daemonProfiles: BenchReport['daemonProfiles'] = [];
  if (profileDir !== null) {
    const profiles = await readRawProfiles(profileDir);
    const roles: Array<[BenchReport['daemonProfiles'][number]['daemon'], number | undefined, PairsScenarioResult[]]> = [
      ['pairs', daemonPid, scenarios],
      ['scale', scale?.daemonPid, [...(scale?.emptyPairs ?? []), ...(scale?.levels.flatMap((level) => level.pairs) ?? [])]],
      ['large', large?.daemonPid, large?.pairs ?? []],
    ];
    for (const [role, pid, pairs] of roles) {
      const found = pid === undefined ? undefined : profiles.find((p) => basename(p.file).includes(`.${pid}.`));
      if (found === undefined || pid === undefined) continue;
      daemonProfiles.push({ daemon: role, pid, profile: summarizeFunctions(found.profile, REPO_ROOT, found.file) });
      // The large daemon's start on its snapshot alone: spawn until it first answered.
      if (role === 'large' && large !== null) {
        daemonProfiles.push({ daemon: 'large start-up', pid, profile: summarizeFunctions(found.profile, REPO_ROOT, found.file, 15, large.answeredAtUs) });
      }
      // How busy the daemon's JavaScript thread was while each of those pairs ran.
      for (const result of pairs) {
        const busy = mainThreadBusyPercent(found.profile, result.windowUs.start, result.windowUs.end);
        if (busy !== null && result.cpu !== null) result.cpu.daemonMainThreadBusyPercent = busy;
      }
    }
  }

  const notRun: TargetInputs['notRun'] = {
    ...(args.scaleCounts.length === 0 ? { scale: 'not run (--scale none)' } : {}),
    ...(args.largeCount === null ? { large: 'not run (--large none)' } : {}),
    ...(args.portserver === null ? { portserver: 'not run (--portserver none)' } : {}),
    ...(args.cliRuns === 0 ? { cli: 'not run (--cli-runs 0)' } : {}),
  };
  const targets = targetRows({ baseline, scenarios, scale, large, portserver, cli, notRun });
  const report: BenchReport = {
    schemaVersion: 4,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    startedAt,
    wallMs: performance.now() - t0,
    machine,
    settings: { warmupMs: args.warmupMs, durationMs: args.durationMs, range, owner: 'reservation (pid null)' },
    daemon: { pid: daemonPid, startMs: daemon.startMs, warmUp },
    baseline,
    scenarios,
    scale,
    large,
    portserver,
    getPort,
    cli,
    cliBaseline,
    daemonProfiles,
    targets,
    figures: [
      ...targets.flatMap((row) => (row.figure !== null ? [row.figure] : [])),
      ...baselineFigures(baseline),
      ...scenarios.flatMap(scenarioFigures),
      ...memoryFigures(memory, daemon.startMs),
      ...(scale !== null ? scaleFigures(scale) : []),
      ...(large !== null ? largeFigures(large) : []),
      ...(portserver !== null ? portserverFigures(portserver) : []),
      ...getPortFigures(getPort),
      ...(cli !== null ? coldStartFigures(cli) : []),
      ...(cliBaseline !== null ? coldStartFigures(cliBaseline, args.cliBaseline ?? '') : []),
    ],
  };
  printReport(report, { toStderr: args.jsonPath === '-' });
  if (args.jsonPath !== null) await writeJsonReport(report, args.jsonPath);
}

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    printFailure(error.message);
    printUsage(USAGE);
    return 2;
  }
  if (args.help) {
    printUsage(USAGE);
    return 0;
  }

  // Ctrl-C reaches the daemons and helpers too (same process group); either way `finally` stops them by pid.
  let interruptedBy: NodeJS.Signals | null = null;
  const exitCodeFor = (signal: NodeJS.Signals): number => (signal === 'SIGINT' ? 130 : 143);
  const interrupted = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => () => {
      interruptedBy = signal;
      printProgress(`${signal}: stopping the bench daemons and helper processes`);
      resolve(exitCodeFor(signal));
    };
    process.once('SIGINT', onSignal('SIGINT'));
    process.once('SIGTERM', onSignal('SIGTERM'));
  });
  let watchdog: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    watchdog = setTimeout(() => reject(new Error(`the bench did not finish within ${watchdogMs(args)} ms`)), watchdogMs(args));
  });

  try {
    return await Promise.race([runBench(args).then(() => 0), interrupted, stuck]);
  } catch (error) {
    if (interruptedBy !== null) return exitCodeFor(interruptedBy);
    printFailure(error);
    return 1;
  } finally {
    clearTimeout(watchdog);
    await stopEverything();
  }
}

process.exitCode = await main();
// Nothing should be left, but a stuck socket must not keep a finished bench alive.
setTimeout(() => process.exit(), 1000).unref();
