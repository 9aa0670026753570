import { parseArgs } from 'node:util';

/**
 * `npm run bench -- [--duration S] [--warmup S] [--clients 1,8,32] [--scale 1000,10000|none]
 * [--cycles N] [--json PATH|-] [--dir DIR]`.
 * Bounded on purpose: the whole run stays around two minutes at most.
 */
export interface BenchArgs {
  durationMs: number;
  warmupMs: number;
  clientCounts: number[];
  /** Live-allocation counts for the HealthMonitor scale run; empty to skip it. */
  scaleCounts: number[];
  /** Health cycles measured per scale count. */
  cycles: number;
  jsonPath: string | null;
  baseDir: string | null;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]
  --duration S     measured seconds per scenario (default 3, at most 15)
  --warmup S       warm-up seconds per scenario (default 0.5, at most 5)
  --clients LIST   concurrent clients per scenario (default 1,8,32; each at most 256)
  --scale LIST     live allocations for the health-cycle run (default 1000,10000; each 1..11000;
                   'none' skips it, and with it the status, RSS and owner-death figures)
  --cycles N       health cycles measured per scale count (default 7, at most 20)
  --json PATH      also write the results as JSON to PATH ('-' for stdout)
  --dir DIR        parent of the temp folder for socket and state (default the OS temp dir)`;

export class UsageError extends Error {}

function seconds(text: string | undefined, fallback: number, max: number, flag: string): number {
  if (text === undefined) return fallback * 1000;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new UsageError(`${flag} must be a number of seconds in (0, ${max}], got "${text}"`);
  return Math.round(value * 1000);
}

function clientCounts(text: string | undefined): number[] {
  if (text === undefined) return [1, 8, 32];
  const counts = text.split(',').map((part) => Number(part.trim()));
  if (counts.length === 0 || counts.length > 6 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 256)) {
    throw new UsageError(`--clients must be up to 6 comma-separated integers in 1..256, got "${text}"`);
  }
  return counts;
}

export const MAX_SCALE_COUNT = 11_000;

function scaleCounts(text: string | undefined): number[] {
  if (text === undefined) return [1000, 10_000];
  if (text.trim() === 'none') return [];
  const counts = text.split(',').map((part) => Number(part.trim()));
  if (counts.length === 0 || counts.length > 4 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_SCALE_COUNT)) {
    throw new UsageError(`--scale must be 'none' or up to 4 comma-separated integers in 1..${MAX_SCALE_COUNT}, got "${text}"`);
  }
  return [...new Set(counts)].sort((a, b) => a - b);
}

function cycleCount(text: string | undefined): number {
  if (text === undefined) return 7;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 20) throw new UsageError(`--cycles must be an integer in 1..20, got "${text}"`);
  return value;
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
        json: { type: 'string' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    durationMs: seconds(values.duration, 3, 15, '--duration'),
    warmupMs: seconds(values.warmup, 0.5, 5, '--warmup'),
    clientCounts: clientCounts(values.clients),
    scaleCounts: scaleCounts(values.scale),
    cycles: cycleCount(values.cycles),
    jsonPath: values.json ?? null,
    baseDir: values.dir ?? null,
    help: values.help ?? false,
  };
}
