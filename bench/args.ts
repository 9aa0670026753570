import { parseArgs } from 'node:util';

/**
 * `npm run bench -- [--quick] [--duration S] [--warmup S] [--clients 1,8,32,128]
 * [--scale 1000,10000|none] [--large 50000|none] [--portserver PATH|none] [--cycles N]
 * [--cli-runs N] [--json PATH|-] [--dir DIR]`.
 * Bounded on purpose: the whole default run stays under five minutes; `--quick` under one.
 */
export interface BenchArgs {
  durationMs: number;
  warmupMs: number;
  clientCounts: number[];
  /** Live-allocation counts for the HealthMonitor scale run; empty to skip it. */
  scaleCounts: number[];
  /** Health cycles measured per scale count. */
  cycles: number;
  /** Allocations in the preloaded-state proxy (the 50k figures); null to skip it. */
  largeCount: number | null;
  /** Fresh `ports` processes timed per command for the CLI cold start; 0 skips it. */
  cliRuns: number;
  /** Client counts of the pairs measured on top of each scale size and the large state. */
  sizedPairsClients: number[];
  /** Google's portserver executable to compare the portserver protocol with; null: skip the comparison. */
  portserver: string | null;
  /** A/B rounds per client count of that comparison. */
  portserverRounds: number;
  /** Measured requests per portserver run, by client count. */
  portserverRequests: (clients: number) => number;
  /** Measured ms of each of those. */
  sizedPairsMs: number;
  /** Unmeasured pairs (32 clients) run against the pairs and scale daemons first: JIT warm-up, ms. */
  warmUpMs: number;
  /** Another built checkout whose CLI cold start is measured next to this one's (before/after); null: none. */
  cliBaseline: string | null;
  /** Write V8 CPU profiles of the bench daemons into this folder and summarize them; null: none. */
  cpuProfDir: string | null;
  quick: boolean;
  jsonPath: string | null;
  baseDir: string | null;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]
  Runs, in one go: the disk floor, durable allocate+release pairs at 1/8/32/128 clients, pairs
  with none / 1k / 10k allocations held, health cycles, status (summary, page, full list), RSS
  and owner death at 10k, start-up and RSS on a preloaded 50k snapshot, the portserver protocol
  against Google's portserver, the CLI's cold start against Node's; then prints every target of
  PRODUCT.md beside its reference from this run. Missed targets exit 0; a broken bench exits 1.
  --quick          a smoke run in under a minute: --duration 1 --warmup 0.25 --clients 1,32
                   --scale 10000 --cycles 2 --cli-runs 5, a 1.5 s JIT warm-up, one portserver
                   round of fewer requests (explicit flags still win)
  --duration S     measured seconds per pairs run (default 3, at most 15); also get-port's
  --warmup S       warm-up seconds at the start of each pairs run (default 0.5, at most 5)
  --clients LIST   concurrent clients of the pairs runs (default 1,8,32,128; each at most 256;
                   the targets need 1 and 32)
  --scale LIST     live allocations for the scale run (default 1000,10000; each 1..11000;
                   'none' skips it, and with it the 10,000-allocation targets and owner death)
  --large N        allocations in the snapshot preloaded into a third daemon (default 50000,
                   at most 59000; 'none' skips it, and with it the 50,000-allocation targets)
  --portserver PATH|none  Google's portserver (python3-portpicker) to compare the portserver
                   protocol with, same load, 1 and 16 clients (default /usr/bin/portserver; the
                   rows say why when it is not installed; 'none' skips them)
  --cycles N       health cycles measured per scale count (default 7, at most 20)
  --cli-runs N     fresh \`ports\` processes per command for the CLI cold start (default 20,
                   at most 50; 0 skips it)
  --cli-baseline DIR  also time the CLI of another built checkout (its bin/ports and dist/)
                   against the same daemon, for a before/after comparison
  --cpu-prof DIR   run the bench daemons under node --cpu-prof (profiles written to DIR when
                   they stop) and print where their CPU time went; slows them a little
  --json PATH      also write the results as JSON to PATH ('-' for stdout)
  --dir DIR        parent of the temp folders for sockets and state (default the OS temp dir);
                   the disk floor is measured there too`;

export class UsageError extends Error {}

function seconds(text: string | undefined, fallback: number, max: number, flag: string): number {
  if (text === undefined) return fallback * 1000;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new UsageError(`${flag} must be a number of seconds in (0, ${max}], got "${text}"`);
  return Math.round(value * 1000);
}

function clientCounts(text: string | undefined, fallback: number[]): number[] {
  if (text === undefined) return fallback;
  const counts = text.split(',').map((part) => Number(part.trim()));
  if (counts.length === 0 || counts.length > 6 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 256)) {
    throw new UsageError(`--clients must be up to 6 comma-separated integers in 1..256, got "${text}"`);
  }
  return counts;
}

export const MAX_SCALE_COUNT = 11_000;

function scaleCounts(text: string | undefined, fallback: number[]): number[] {
  if (text === undefined) return fallback;
  if (text.trim() === 'none') return [];
  const counts = text.split(',').map((part) => Number(part.trim()));
  if (counts.length === 0 || counts.length > 4 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_SCALE_COUNT)) {
    throw new UsageError(`--scale must be 'none' or up to 4 comma-separated integers in 1..${MAX_SCALE_COUNT}, got "${text}"`);
  }
  return [...new Set(counts)].sort((a, b) => a - b);
}

export const MAX_LARGE_COUNT = 59_000;

function largeCount(text: string | undefined, fallback: number | null): number | null {
  if (text === undefined) return fallback;
  if (text.trim() === 'none') return null;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_LARGE_COUNT) throw new UsageError(`--large must be 'none' or an integer in 1..${MAX_LARGE_COUNT}, got "${text}"`);
  return value;
}

function cliRuns(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 50) throw new UsageError(`--cli-runs must be an integer in 0..50, got "${text}"`);
  return value;
}

function cycleCount(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 20) throw new UsageError(`--cycles must be an integer in 1..20, got "${text}"`);
  return value;
}

export const DEFAULT_PORTSERVER = '/usr/bin/portserver';

function portserverPath(text: string | undefined): string | null {
  if (text === undefined) return DEFAULT_PORTSERVER;
  if (text.trim() === 'none') return null;
  if (text.trim() === '') throw new UsageError(`--portserver must be 'none' or the path of Google's portserver executable`);
  return text;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        duration: { type: 'string' },
        warmup: { type: 'string' },
        clients: { type: 'string' },
        scale: { type: 'string' },
        cycles: { type: 'string' },
        large: { type: 'string' },
        'cli-runs': { type: 'string' },
        'cli-baseline': { type: 'string' },
        'cpu-prof': { type: 'string' },
        portserver: { type: 'string' },
        quick: { type: 'boolean' },
        json: { type: 'string' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const quick = values.quick ?? false;
  const durationMs = seconds(values.duration, quick ? 1 : 3, 15, '--duration');
  return {
    durationMs,
    warmupMs: seconds(values.warmup, quick ? 0.25 : 0.5, 5, '--warmup'),
    clientCounts: clientCounts(values.clients, quick ? [1, 32] : [1, 8, 32, 128]),
    scaleCounts: scaleCounts(values.scale, quick ? [10_000] : [1000, 10_000]),
    cycles: cycleCount(values.cycles, quick ? 2 : 7),
    largeCount: largeCount(values.large, 50_000),
    cliRuns: cliRuns(values['cli-runs'], quick ? 5 : 20),
    sizedPairsClients: [1, 32],
    sizedPairsMs: durationMs,
    warmUpMs: quick ? 1500 : 3000,
    portserver: portserverPath(values.portserver),
    portserverRounds: quick ? 1 : 3,
    portserverRequests: quick ? (clients) => (clients === 1 ? 500 : 1500) : (clients) => (clients === 1 ? 1500 : 4000),
    cliBaseline: values['cli-baseline'] ?? null,
    cpuProfDir: values['cpu-prof'] ?? null,
    quick,
    jsonPath: values.json ?? null,
    baseDir: values.dir ?? null,
    help: values.help ?? false,
  };
}
