/**
 * One cycle's look at the OS for the HealthMonitor: which checks each allocation is due
 * (decide.ts checksFor), then every owner process in one batch, every port in one read of the
 * socket tables, and the health URLs of live owners, at most HTTP_CONCURRENCY at a time.
 * What could not be checked is `unknown`, never a failure.
 */
import type { Allocation } from '../protocol/allocation.js';
import { checksFor, type Observation } from './decide.js';
import { ownerKey, type HealthProbes, type Owner } from './probes.js';
import type { HealthSettings } from './settings.js';

const HTTP_CONCURRENCY = 16;

async function mapLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function observe(
  allocations: readonly Allocation[],
  context: { now: number; signal: AbortSignal; probes: HealthProbes; settings: HealthSettings },
): Promise<Map<Allocation, Observation>> {
  const { now, signal, probes, settings } = context;
  const owners = new Map<string, Owner>();
  const listenPorts: number[] = [];
  const httpChecks: Allocation[] = [];
  for (const allocation of allocations) {
    const checks = checksFor(allocation, now, settings.startupGraceMs);
    if (checks.process && allocation.pid !== null) owners.set(ownerKey(allocation.pid, allocation.pidStartTime), { pid: allocation.pid, startTime: allocation.pidStartTime });
    if (checks.listen) listenPorts.push(allocation.port);
    if (checks.http) httpChecks.push(allocation);
  }
  const [processes, listening] = await Promise.all([
    owners.size > 0 ? probes.processes([...owners.values()]) : Promise.resolve(new Map<string, never>()),
    listenPorts.length > 0 ? probes.listening(listenPorts) : Promise.resolve({ listening: new Set<number>(), unknown: new Set<number>() }),
  ]);
  const http = new Map<Allocation, Observation['http']>();
  await mapLimited(httpChecks, HTTP_CONCURRENCY, async (allocation) => {
    if (signal.aborted || allocation.healthUrl === null) return;
    const process = allocation.pid !== null ? processes.get(ownerKey(allocation.pid, allocation.pidStartTime)) : undefined;
    if (process !== 'alive' && process !== 'unknown') return; // a dead owner fails anyway
    http.set(allocation, await probes.http(allocation.healthUrl, { timeoutMs: settings.httpTimeoutMs, slowMs: settings.httpSlowMs, expected: settings.httpExpected, signal }));
  });
  const observations = new Map<Allocation, Observation>();
  for (const allocation of allocations) {
    const checks = checksFor(allocation, now, settings.startupGraceMs);
    const process = checks.process && allocation.pid !== null ? processes.get(ownerKey(allocation.pid, allocation.pidStartTime)) ?? 'unknown' : null;
    observations.set(allocation, {
      process,
      listening: checks.listen ? (listening.listening.has(allocation.port) ? true : listening.unknown.has(allocation.port) ? 'unknown' : false) : null,
      http: http.get(allocation) ?? null,
    });
  }
  return observations;
}
