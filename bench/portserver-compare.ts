import { parseArgs } from 'node:util';
import { PORTSERVER_TARGETS, printFailure, printProgress, renderPortserverComparison } from './report.js';
import { defaultPortserverRequests, runPortserverComparison, stopPortserverProcesses } from './portserver-scenario.js';

/**
 * `node dist-bench/bench/portserver-compare.js [--clients 1,16] [--rounds 2] [--warmup 200]
 * [--requests N] [--json]`: the portserver comparison alone (our daemon against Google's
 * `/usr/bin/portserver`, same load), as a table on stdout; progress on stderr.
 * Build first: `npm run build && npx tsc -p bench/tsconfig.json`.
 * PRODUCT.md's target: ≥ 0.8× the reference at 1 client, ≥ 2× at 16 clients.
 */
function integers(text: string | undefined, flag: string): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((n) => !Number.isInteger(n) || n < 1 || n > 256)) throw new Error(`${flag} must be comma-separated integers in 1..256, got "${text}"`);
  return values;
}

function integer(text: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${flag} must be an integer in ${min}..${max}, got "${text}"`);
  return value;
}

async function main(): Promise<number> {
  let options;
  let json = false;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      allowPositionals: false,
      options: {
        clients: { type: 'string' },
        rounds: { type: 'string' },
        warmup: { type: 'string' },
        requests: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const clientCounts = integers(values.clients, '--clients');
    const rounds = integer(values.rounds, '--rounds', 1, 10);
    const warmup = integer(values.warmup, '--warmup', 0, 2000);
    const requests = integer(values.requests, '--requests', 1, 5000);
    json = values.json ?? false;
    options = {
      ...(clientCounts !== undefined ? { clientCounts } : {}),
      ...(rounds !== undefined ? { rounds } : {}),
      ...(warmup !== undefined ? { warmup } : {}),
      requestsFor: requests !== undefined ? () => requests : defaultPortserverRequests,
      onProgress: printProgress,
    };
  } catch (error) {
    printProgress(`${(error as Error).message}\nusage: portserver-compare [--clients 1,16] [--rounds 2] [--warmup 200] [--requests N] [--json]`);
    return 2;
  }

  // Ctrl-C reaches the servers and load processes too (same process group); either way they are stopped by pid.
  let interruptedBy: NodeJS.Signals | null = null;
  const interrupted = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => () => {
      interruptedBy = signal;
      printProgress(`${signal}: stopping the servers and load processes`);
      resolve(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', onSignal('SIGINT'));
    process.once('SIGTERM', onSignal('SIGTERM'));
  });

  try {
    const result = await Promise.race([runPortserverComparison(options), interrupted]);
    if (typeof result === 'number') return result;
    if (result.skipped !== null) {
      process.stdout.write(`portserver comparison skipped: ${result.skipped}\n`);
      return 0;
    }
    process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${renderPortserverComparison(result, PORTSERVER_TARGETS)}\n`);
    return 0;
  } catch (error) {
    if (interruptedBy !== null) return interruptedBy === 'SIGINT' ? 130 : 143;
    printFailure(error);
    return 1;
  } finally {
    await stopPortserverProcesses();
  }
}

process.exitCode = await main();
// Nothing should be left, but a stuck socket must not keep a finished run alive.
setTimeout(() => process.exit(), 1000).unref();
