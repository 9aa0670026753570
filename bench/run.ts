import { measureBaseline } from './baseline.js';
import { parseBenchArgs, USAGE, UsageError, type BenchArgs } from './args.js';
import { startBenchDaemon, type BenchDaemon } from './daemon-process.js';
import { chooseBenchRange, describeMachine } from './machine.js';
import { runPairsScenario, type PairsScenarioResult } from './pairs-scenario.js';
import { printFailure, printProgress, printReport, writeJsonReport, type BenchReport } from './report.js';
import { baselineFigures, memoryFigures, scenarioFigures } from './targets.js';

/**
 * `npm run bench`: durable allocate+release throughput and allocate latency against a real
 * daemon process, printed next to the contract's targets. A benchmark, not a test: missed
 * targets exit 0; only a broken bench (daemon would not start, a request failed) exits non-zero.
 * The entry file is the only place that sets the exit code.
 */
let daemon: BenchDaemon | null = null;

/** Past this the bench is stuck (a request never answered): stop the daemon and fail. */
function watchdogMs(args: BenchArgs): number {
  return 30_000 + args.clientCounts.length * (args.warmupMs + args.durationMs + 15_000);
}

async function stopDaemon(): Promise<void> {
  if (daemon === null) return;
  const exit = await daemon.stop();
  if (exit.killed) printProgress(`warning: daemon pid ${daemon.pid} ignored SIGTERM and was killed`);
  else if (exit.code !== 0) printProgress(`warning: daemon pid ${daemon.pid} exited with code ${exit.code} (signal ${exit.signal})`);
}

async function runBench(args: BenchArgs): Promise<void> {
  const startedAt = new Date().toISOString();
  const where = args.baseDir !== null ? { baseDir: args.baseDir } : {};
  printProgress('measuring the machine: durable writes and socket round trips…');
  const baseline = await measureBaseline({ ...where, ms: 1000 });
  printProgress('starting a daemon…');
  daemon = await startBenchDaemon(where);
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
  await stopDaemon();

  const report: BenchReport = {
    schemaVersion: 1,
    startedAt,
    machine,
    settings: { warmupMs: args.warmupMs, durationMs: args.durationMs, range, owner: 'reservation (pid null)' },
    daemon: { pid: daemonPid },
    baseline,
    scenarios,
    figures: [...scenarios.flatMap(scenarioFigures), ...memoryFigures(memory), ...baselineFigures(baseline)],
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

  // Ctrl-C reaches the daemon too (same process group); either way `finally` stops it by pid.
  let interruptedBy: NodeJS.Signals | null = null;
  const exitCodeFor = (signal: NodeJS.Signals): number => (signal === 'SIGINT' ? 130 : 143);
  const interrupted = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => () => {
      interruptedBy = signal;
      printProgress(`${signal}: stopping the bench daemon`);
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
    await stopDaemon();
  }
}

process.exitCode = await main();
// Nothing should be left, but a stuck socket must not keep a finished bench alive.
setTimeout(() => process.exit(), 1000).unref();
