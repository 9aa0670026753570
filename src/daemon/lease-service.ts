/**
 * What happens to allocations between allocate and release: ownership handed to another process
 * (`ports run`), leases renewed, and the sweep `ports cleanup` asks for instead of waiting for
 * the HealthMonitor's N cycles. Every change is durable before it is answered.
 */
import { isExpired } from '../health/decide.js';
import { ownerKey, type HealthProbes } from '../health/probes.js';
import { PortsError } from '../errors.js';
import type { Allocation } from '../protocol/allocation.js';
import type { CleanupParams, RenewParams, TransferParams } from '../protocol/messages.js';
import type { CleanupEntry, CleanupResult, RenewResult, TransferResult } from '../protocol/results.js';
import type { Clock } from '../shared/clock.js';
import type { StateStore } from '../state/store.js';
import { checkOwner } from '../system/owner-check.js';
import type { ProcessInspector } from '../system/process-info.js';
import { ownerError } from './owner-error.js';

export interface LeaseServiceDeps {
  store: StateStore;
  processes: ProcessInspector;
  probes: Pick<HealthProbes, 'processes'>;
  clock: Clock;
  /** After a sweep's release is durable. `reason` is the reclaim reason, or `owner`. */
  onSwept(allocation: Allocation, reason: CleanupEntry['reason']): void;
}

export interface LeaseService {
  transfer(params: TransferParams): Promise<TransferResult>;
  renew(params: RenewParams): Promise<RenewResult>;
  cleanup(params: CleanupParams): Promise<CleanupResult>;
}

export function createLeaseService(deps: LeaseServiceDeps): LeaseService {
  const { store, clock } = deps;

  async function transfer(params: TransferParams): Promise<TransferResult> {
    const current = store.allocations.get(params.port);
    if (!current) throw new PortsError('E_NOT_FOUND', `Port ${params.port} is not allocated`, { port: params.port });
    if (current.pid !== params.fromPid) {
      throw new PortsError('E_CONFLICT', `Port ${params.port} is owned by pid ${current.pid ?? 'none'}, not ${params.fromPid}`, {
        port: params.port,
        pid: current.pid,
      });
    }
    const check = await checkOwner(deps.processes, params.toPid, { expectedStartTime: params.toPidStartTime });
    if (!check.ok) {
      if (check.problem === 'reused') {
        throw new PortsError('E_NO_SUCH_PROCESS', `pid ${params.toPid} is a different process than expected (start time differs)`, { pid: params.toPid });
      }
      throw ownerError(check.problem, params.toPid, check.owner);
    }
    const next = check.owner;
    // Re-read after the await: only the allocation we checked is handed over.
    if (store.allocations.get(params.port) !== current) {
      throw new PortsError('E_CONFLICT', `Port ${params.port} changed while being transferred; retry`, { port: params.port });
    }
    const described = await deps.processes.describe(params.toPid);
    const allocation: Allocation = {
      ...current,
      pid: params.toPid,
      pidStartTime: next.startTime,
      command: described.command ?? current.command,
      cwd: described.cwd ?? current.cwd,
    };
    store.replace(allocation);
    await store.commit();
    return { allocation };
  }

  async function renew(params: RenewParams): Promise<RenewResult> {
    const selected = [...store.allocations.values()].filter(
      (a) => (params.ports === undefined || params.ports.includes(a.port)) && (params.service === undefined || a.service === params.service),
    );
    if (selected.length === 0) {
      throw new PortsError('E_NOT_FOUND', 'Nothing to renew: no allocation matches', { ports: params.ports, service: params.service });
    }
    const now = clock.now();
    const renewed: Allocation[] = [];
    for (const allocation of selected) {
      const ttlMs = params.ttlMs ?? allocation.ttlMs;
      if (ttlMs === null) {
        throw new PortsError('E_INVALID_REQUEST', `Port ${allocation.port} has no lease to renew; give a ttl`, { port: allocation.port });
      }
      renewed.push({ ...allocation, ttlMs, expiresAt: new Date(now + ttlMs).toISOString() });
    }
    for (const allocation of renewed) store.replace(allocation);
    await store.commit();
    return { renewed };
  }

  async function cleanup(params: CleanupParams): Promise<CleanupResult> {
    const all = [...store.allocations.values()];
    const entries: CleanupEntry[] = [];
    const action = params.dryRun ? 'would_release' : 'released';
    if (params.owner !== undefined) {
      for (const allocation of all) if (allocation.owner === params.owner) entries.push({ allocation, reason: 'owner', action });
    } else {
      const now = clock.now();
      const owned = all.filter((a) => a.pid !== null);
      const seen = await deps.probes.processes(owned.map((a) => ({ pid: a.pid ?? 0, startTime: a.pidStartTime })));
      for (const allocation of all) {
        if (isExpired(allocation, now)) {
          entries.push({ allocation, reason: 'expired', action });
          continue;
        }
        if (allocation.pid === null) continue;
        const state = seen.get(ownerKey(allocation.pid, allocation.pidStartTime));
        if (state === 'dead' || state === 'zombie') entries.push({ allocation, reason: 'process_dead', action });
        else if (state === 'reused') entries.push({ allocation, reason: 'pid_reused', action });
      }
    }
    if (params.dryRun || entries.length === 0) return { entries, dryRun: params.dryRun === true };
    // Only what is still the same allocation is released (a request may have changed it meanwhile).
    const released = entries.filter((entry) => store.allocations.get(entry.allocation.port) === entry.allocation);
    for (const entry of released) store.remove(entry.allocation.port);
    await store.commit();
    for (const entry of released) deps.onSwept(entry.allocation, entry.reason);
    return { entries: released, dryRun: false };
  }

  return { transfer, renew, cleanup };
}
