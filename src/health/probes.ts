/**
 * The HealthMonitor's view of the OS: owner processes, ports in use, HTTP health URLs. Thin I/O
 * behind one interface so the monitor can be tested with fakes.
 *
 * Every check has three outcomes: passed, failed, and **unknown** — the check could not be made
 * (a /proc read failed with EMFILE/ENFILE/ENOMEM/EIO, a probe of ours timed out or was aborted).
 * Unknown is never a failure: a live server must not lose its port because we ran out of
 * descriptors.
 */
import { probeConnect } from '../system/connect-probe.js';
import { observeProcess } from '../system/process-state.js';
import { errorCode, isResourceError } from '../system/resource-errors.js';
import { readSocketTable } from '../system/socket-table.js';
import type { HttpObservation, ProcessObservation } from './decide.js';

export interface HealthProbes {
  /** Observe each distinct owner once: alive, dead, zombie, reused (start time differs) or unknown. Keyed by ownerKey. */
  processes(owners: readonly Owner[]): Promise<Map<string, ProcessObservation>>;
  /** Which of `candidates` are in use (a TCP listener or a bound UDP socket), and which could not be checked. */
  listening(candidates: readonly number[]): Promise<ListenReport>;
  http(url: string, options: { timeoutMs: number; slowMs: number; expected: readonly (number | string)[]; signal: AbortSignal }): Promise<HttpObservation>;
  /** Why the latest check that could not be made could not (an errno code), for the log. */
  lastUnknownCause?(): string | null;
}

export interface ListenReport {
  listening: ReadonlySet<number>;
  /** Candidates whose check could not be made this cycle. */
  unknown: ReadonlySet<number>;
}

const PROC_BATCH = 500;
const NONE: ReadonlySet<number> = new Set();

export interface Owner {
  pid: number;
  startTime: number | null;
}

export function ownerKey(pid: number, startTime: number | null): string {
  return `${pid}:${startTime ?? ''}`;
}

export function matchesExpected(status: number, expected: readonly (number | string)[]): boolean {
  return expected.some((entry) => (typeof entry === 'number' ? entry === status : String(status)[0] === entry[0]));
}

export function createSystemProbes(): HealthProbes {
  let lastUnknown: string | null = null;
  const unknown = (code: string): void => {
    lastUnknown = code;
  };

  /** Without /proc/net: a connect probe to 127.0.0.1 and ::1 (TCP only; UDP cannot be seen this way). */
  async function connectProbes(candidates: readonly number[]): Promise<ListenReport> {
    const listening = new Set<number>();
    const notKnown = new Set<number>();
    await Promise.all(
      candidates.map(async (port) => {
        const v4 = await probeConnect(port, '127.0.0.1', 500);
        if (v4.outcome === 'open') return void listening.add(port);
        const v6 = await probeConnect(port, '::1', 500);
        if (v6.outcome === 'open') return void listening.add(port);
        const failed = v4.outcome === 'unknown' ? v4 : v6.outcome === 'unknown' ? v6 : null;
        if (failed) {
          notKnown.add(port);
          unknown(failed.code ?? 'ERROR');
        }
      }),
    );
    return { listening, unknown: notKnown };
  }

  return {
    async processes(owners) {
      const out = new Map<string, ProcessObservation>();
      let done = 0;
      for (const { pid, startTime } of owners) {
        out.set(ownerKey(pid, startTime), observeProcess(pid, startTime, unknown));
        // /proc reads are fast but synchronous: yield between batches so requests keep flowing.
        if (++done % PROC_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      return out;
    },
    async listening(candidates) {
      let table;
      try {
        table = readSocketTable();
      } catch (error) {
        // The table exists but could not be read: no port can be said to be free of listeners.
        unknown(errorCode(error) ?? 'ERROR');
        return { listening: NONE, unknown: new Set(candidates) };
      }
      if (table) return { listening: table.ports, unknown: NONE };
      return connectProbes(candidates);
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
      } catch (error) {
        // Stopped by us (the monitor stops), or we could not open a connection: not the server's doing.
        if (options.signal.aborted) {
          unknown('ABORTED');
          return 'unknown';
        }
        if (isResourceError(error)) {
          unknown(errorCode(error) ?? 'ERROR');
          return 'unknown';
        }
        // Refused, reset, or no answer within http_timeout_ms: the server's doing.
        return 'unhealthy';
      }
    },
    lastUnknownCause: () => lastUnknown,
  };
}
