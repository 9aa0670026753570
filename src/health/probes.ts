import { readFileSync } from 'node:fs';
import { acceptsConnections } from '../system/connect-probe.js';
import { isZombie, parseProcStat, processExists } from '../system/proc-stat.js';
import type { HttpObservation, ProcessObservation } from './decide.js';
import { readListenTable } from './listen-table.js';

/**
 * The HealthMonitor's view of the OS: owner processes, listening ports, HTTP health URLs.
 * Thin I/O behind one interface so the monitor can be tested with fakes.
 */
export interface HealthProbes {
  /** Observe each distinct owner once: alive, dead, zombie, or reused (start time differs). Keyed by ownerKey. */
  processes(owners: readonly Owner[]): Promise<Map<string, ProcessObservation>>;
  /** The set of ports something listens on; `candidates` are the ports that matter. */
  listening(candidates: readonly number[]): Promise<Set<number>>;
  http(url: string, options: { timeoutMs: number; slowMs: number; expected: readonly (number | string)[]; signal: AbortSignal }): Promise<HttpObservation>;
}

const PROC_BATCH = 500;

export interface Owner {
  pid: number;
  startTime: number | null;
}

export function ownerKey(pid: number, startTime: number | null): string {
  return `${pid}:${startTime ?? ''}`;
}

/** One owner: kill(pid, 0), then /proc/<pid>/stat for zombie state and start time. */
export function observeProcess(pid: number, expectedStartTime: number | null): ProcessObservation {
  if (!processExists(pid)) return 'dead';
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // Alive per kill(0) but no /proc entry: not Linux, or it died in between.
    return processExists(pid) ? 'alive' : 'dead';
  }
  const stat = parseProcStat(text);
  if (!stat) return 'unknown';
  if (isZombie(stat)) return 'zombie';
  if (expectedStartTime !== null && stat.startTime !== expectedStartTime) return 'reused';
  return 'alive';
}

export function matchesExpected(status: number, expected: readonly (number | string)[]): boolean {
  return expected.some((entry) => (typeof entry === 'number' ? entry === status : String(status)[0] === entry[0]));
}

export function createSystemProbes(): HealthProbes {
  return {
    async processes(owners) {
      const out = new Map<string, ProcessObservation>();
      let done = 0;
      for (const { pid, startTime } of owners) {
        out.set(ownerKey(pid, startTime), observeProcess(pid, startTime));
        // /proc reads are fast but synchronous: yield between batches so requests keep flowing.
        if (++done % PROC_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      return out;
    },
    async listening(candidates) {
      const table = await readListenTable();
      if (table) return table.ports;
      const open = new Set<number>();
      await Promise.all(
        candidates.map(async (port) => {
          if ((await acceptsConnections(port, '127.0.0.1', 500)) || (await acceptsConnections(port, '::1', 500))) open.add(port);
        }),
      );
      return open;
    },
    async http(url, options) {
      const started = performance.now();
      try {
        const response = await fetch(url, {
          signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
          redirect: 'manual',
        });
        await response.body?.cancel().catch(() => undefined);
        if (!matchesExpected(response.status, options.expected)) return 'unhealthy';
        return performance.now() - started > options.slowMs ? 'slow' : 'healthy';
      } catch {
        return 'unhealthy';
      }
    },
  };
}
