import { measureBaseline } from './baseline.js';
import { parseBenchArgs, USAGE, UsageError, type BenchArgs } from './args.js';
import { startBenchDaemon, type BenchDaemon } from './daemon-process.js';
import { stopAllHelpers } from './helper-process.js';
import { chooseBenchRange, chooseScaleRanges, describeMachine, rangesCapacity } from './machine.js';
import { runPairsScenario, type PairsScenarioResult } from './pairs-scenario.js';
import { printFailure, printProgress, printReport, writeJsonReport, type BenchReport } from './report.js';
import { runScaleScenario, scaleDaemonConfig, type ScaleSettings } from './scale-scenario.js';
import { baselineFigures, memoryFigures, scaleFigures, scenarioFigures } from './targets.js';

/**
 * `npm run bench`: durable allocate+release throughput and allocate latency against a real
 * daemon process, then the HealthMonitor at scale (cycle wall time and daemon CPU at 1k / 10k
 * live allocations, status latency, RSS, owner death to release) against a second one, printed
 * next to the contract's targets. A benchmark, not a test: missed targets exit 0; only a broken
 * bench (daemon would not start, a request failed) exits non-zero.
 * The entry file is the only place that sets the exit code.
 */
const daemons = new Set<BenchDaemon>();

/** Health settings of the scale daemon: owner death must be released within 1000 × 3 + 1000 ms. */
const SCALE_CHECK_INTERVAL_MS = 1000;
const SCALE_MAX_FAILURES = 3;

/** Past this the bench is stuck (a request never answered): stop the daemons and fail. */
function watchdogMs(args: BenchArgs): number {
  const pairs = args.clientCounts.length * (args.warmupMs + args.durationMs + 15_000);
  // Per count: filling (generous), the settle cycle and the measured ones; then status and owner death.
  const scale = args.scaleCounts.length === 0 ? 0 : 60_000 + args.scaleCounts.length * (60_000 + (args.cycles + 3) * SCALE_CHECK_INTERVAL_MS * 2);
  return 30_000 + pairs + scale;
}

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

/** Everything the bench started: helper processes first (by pid), then the daemons. */
async function stopEverything(): Promise<void> {
  await stopAllHelpers();
  for (const daemon of [...daemons]) await stopDaemon(daemon);
}

async function runBench(args: BenchArgs): Promise<void> {
  const startedAt = new Date().toISOString();
  const where = args.baseDir !== null ? { baseDir: args.baseDir } : {};
  printProgress('measuring the machine: durable writes and socket round trips…');
  const baseline = await measureBaseline({ ...where, ms: 1000 });
  printProgress('starting a daemon…');
  const daemon = await startDaemon(where);
  const machine = await describeMachine(daemon.stateDir);
  const range = chooseBenchRange(machine.ephemeralRange);

  const scenarios: PairsScenarioResult[] = [];
  for (const clients of args.clientCounts) {
    const name = clients === 1 ? '1 client' : `${clients} clients`;
    printProgress(`running: ${name}, ${args.warmupMs} ms warm-up + ${args.durationMs} ms…`);
    const bench = daemon;
    scenarios.push(await runPairsScenario({ name, clients, warmupMs: args.warmupMs, durationMs: args.durationMs, range, connect: () => bench.connect() }));
  }
  const memory = await daemon.readMemory();
  const daemonPid = daemon.pid;
  await stopDaemon(daemon);

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
    };
    const needed = Math.max(...settings.counts) + settings.ownerDeathPorts;
    if (rangesCapacity(ranges) < needed + 500) {
      throw new Error(`The scale run needs ${needed} ports outside the ephemeral range; only ${rangesCapacity(ranges)} in ${ranges.map((r) => `${r.start}-${r.end}`).join(', ')}: pass a smaller --scale`);
    }
    printProgress('starting a second daemon for the HealthMonitor scale run…');
    const scaleDaemon = await startDaemon({ ...where, config: scaleDaemonConfig(settings) });
    const result = await runScaleScenario(scaleDaemon, settings, printProgress);
    scale = { ...result, daemonPid: scaleDaemon.pid };
    await stopDaemon(scaleDaemon);
  }

  const report: BenchReport = {
    schemaVersion: 2,
    startedAt,
    machine,
    settings: { warmupMs: args.warmupMs, durationMs: args.durationMs, range, owner: 'reservation (pid null)' },
    daemon: { pid: daemonPid },
    baseline,
    scenarios,
    scale,
    figures: [
      ...scenarios.flatMap(scenarioFigures),
      ...memoryFigures(memory),
      ...(scale !== null ? scaleFigures(scale) : []),
      ...baselineFigures(baseline),
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
    printProgress(USAGE);
    return 2;
  }
  if (args.help) {
    printProgress(USAGE);
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
