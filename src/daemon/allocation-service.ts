/**
 * Allocation and release against the store: the pure plan, the OS view (bind test on the chosen
 * candidate only), then the durable commit. Concurrent requests never probe or take the same port.
 * An exact port already held by the owner's own process tree is adopted rather than refused.
 */
import { exhaustedMessage, isSameOwner, planAllocation, rangeKey } from '../allocator/plan.js';
import { inRange } from '../shared/port-range.js';
import type { PortPolicy } from '../allocator/policy.js';
import { PortsError } from '../errors.js';
import { newHealth, type Allocation } from '../protocol/allocation.js';
import type { AllocateParams, ReleaseParams } from '../protocol/messages.js';
import type { AllocateResult, ReleaseResult } from '../protocol/results.js';
import type { Clock } from '../shared/clock.js';
import type { StateStore } from '../state/store.js';
import type { Listener } from '../system/listeners.js';
import type { PortHolderLookup } from '../system/port-holders.js';
import type { PortProbe } from '../system/port-probe.js';
import { checkOwner } from '../system/owner-check.js';
import type { OwnerProcess, ProcessInspector } from '../system/process-info.js';
import { ownerError } from './owner-error.js';
import { portInUseError } from './port-conflict.js';

export interface AllocationServiceDeps {
  store: StateStore;
  /** The settings in force, read on each request (a reload replaces them). */
  settings(): AllocationSettings;
  probe: PortProbe;
  processes: ProcessInspector;
  /** Who holds a port the bind test found in use (an exact port only: to adopt it, or to name the holders). */
  holders: PortHolderLookup;
  clock: Clock;
  /** Called after a change is durable (audit, metrics); `adopted` is the listener of an adopted port. */
  onAllocated?(allocation: Allocation, adopted: Listener | null): void;
  onReleased?(allocation: Allocation, reason: 'released'): void;
}

export interface AllocationSettings {
  policy: PortPolicy;
  /** limits.max_allocations_per_owner */
  maxAllocationsPerOwner: number;
}

/** In-process choices that are not part of the wire request. */
export interface AllocateOptions {
  /**
   * Always make a new allocation (the portserver: one port per request, however many a process
   * asks for): skips the same-service-and-pid answer and the service's sticky port. The pool is
   * then `type` or `range` (or the default type), never a type named after the service.
   */
  alwaysNew?: boolean;
  /** The owner process as the caller just inspected and checked it (the portserver), so it is not read again. */
  owner?: OwnerProcess;
}

export interface AllocationService {
  allocate(params: AllocateParams, options?: AllocateOptions): Promise<AllocateResult>;
  release(params: ReleaseParams): Promise<ReleaseResult>;
}

const NO_PORTS: ReadonlySet<number> = new Set();

export function createAllocationService(deps: AllocationServiceDeps): AllocationService {
  const { store, probe, processes, clock } = deps;
  const cursors = new Map<string, number>();
  const probing = new Set<number>();

  async function admitOwner(params: AllocateParams, inspected: OwnerProcess | undefined): Promise<{ startTime: number | null }> {
    if (params.pid === null) return { startTime: null };
    const check = await checkOwner(processes, params.pid, { inspected, expectedStartTime: params.pidStartTime });
    if (check.ok) return { startTime: check.owner.startTime };
    if (check.problem === 'reused') {
      throw new PortsError(
        'E_NO_SUCH_PROCESS',
        `Owner pid ${params.pid} started at tick ${check.owner.startTime}, not ${params.pidStartTime}: that process is gone and its pid reused`,
        { pid: params.pid, startTime: check.owner.startTime, expected: params.pidStartTime },
      );
    }
    throw ownerError(check.problem, params.pid, check.owner);
  }

  function checkOwnerLimit(owner: string | undefined): void {
    if (owner === undefined) return;
    const count = store.ownerCount(owner);
    const { maxAllocationsPerOwner } = deps.settings();
    if (count >= maxAllocationsPerOwner) {
      throw new PortsError(
        'E_LIMIT',
        `Owner ${owner} already holds ${count} allocations (limits.max_allocations_per_owner is ${maxAllocationsPerOwner})`,
        { owner, count },
      );
    }
  }

  function findExisting(service: string | undefined, pid: number | null, startTime: number | null): Allocation | undefined {
    if (service === undefined || pid === null) return undefined;
    for (const port of store.servicePorts(service) ?? []) {
      const allocation = store.allocations.get(port);
      if (allocation && isSameOwner(allocation, service, pid, startTime)) return allocation;
    }
    return undefined;
  }

  /** An existing allocation is only reported once it is on disk (its write may still be in flight). */
  async function existingResult(allocation: Allocation, warnings: string[]): Promise<AllocateResult> {
    await store.whenDurable();
    return { allocation, existing: true, adopted: false, sticky: false, warnings };
  }

  async function build(params: AllocateParams, port: number, type: string | null, startTime: number | null): Promise<Allocation> {
    const described =
      params.pid !== null && (params.cwd === undefined || params.command === undefined)
        ? await processes.describe(params.pid, startTime)
        : { cwd: null, command: null };
    const now = clock.now();
    return {
      port,
      service: params.service ?? null,
      type,
      pid: params.pid,
      pidStartTime: startTime,
      owner: params.owner ?? null,
      cwd: params.cwd ?? described.cwd,
      command: params.command ?? described.command,
      createdAt: new Date(now).toISOString(),
      expiresAt: params.ttlMs !== undefined ? new Date(now + params.ttlMs).toISOString() : null,
      ttlMs: params.ttlMs ?? null,
      listenCheck: params.listenCheck ?? true,
      healthUrl: params.healthUrl ?? null,
      healthAction: params.healthAction ?? null,
      health: newHealth(),
    };
  }

  /** Bind-test a port no one else is testing: `probing` when another request of ours is testing it. */
  async function probePort(port: number): Promise<'free' | 'in_use' | 'probing'> {
    if (probing.has(port)) return 'probing';
    probing.add(port);
    try {
      return (await probe.isFree(port)) ? 'free' : 'in_use';
    } finally {
      probing.delete(port);
    }
  }

  /** False when held by the OS or another request. */
  async function probeExclusive(port: number): Promise<boolean> {
    return (await probePort(port)) === 'free';
  }

  /** Record a new allocation; null when the port was taken while we awaited. */
  async function commitNew(
    params: AllocateParams,
    reuseService: string | undefined,
    port: number,
    type: string | null,
    startTime: number | null,
    extra: { sticky: boolean; warnings: string[]; adopted?: Listener },
  ): Promise<AllocateResult | null> {
    const allocation = await build(params, port, type, startTime);
    // Re-check after the awaits: the same service and pid may have been allocated meanwhile
    // (idempotency holds under concurrency), or the port taken.
    const existing = findExisting(reuseService, params.pid, startTime);
    if (existing) return existingResult(existing, extra.warnings);
    if (store.allocations.has(port)) return null;
    checkOwnerLimit(params.owner);
    store.add(allocation);
    await store.commit();
    deps.onAllocated?.(allocation, extra.adopted ?? null);
    const { adopted } = extra;
    return {
      allocation,
      existing: false,
      adopted: adopted !== undefined,
      ...(adopted !== undefined ? { listener: { pid: adopted.pid, command: adopted.command } } : {}),
      sticky: extra.sticky,
      warnings: extra.warnings,
    };
  }

  /**
   * An exact port the bind test found in use: adopted when only the owner's process tree holds
   * it (a server started before it was registered), else E_CONFLICT naming who holds it. A
   * reservation never adopts.
   */
  async function adoptOrRefuse(
    params: AllocateParams,
    reuseService: string | undefined,
    plan: { port: number; type: string | null; warnings: string[] },
    startTime: number | null,
  ): Promise<AllocateResult> {
    const { inTree, others } = await deps.holders(plan.port, params.pid);
    // The owner's own process listening is the one to name, else the first of its tree.
    const listener = inTree.find((holder) => holder.pid === params.pid) ?? inTree[0];
    if (params.pid !== null && others.length === 0 && listener !== undefined) {
      const result = await commitNew(params, reuseService, plan.port, plan.type, startTime, { sticky: false, warnings: plan.warnings, adopted: listener });
      if (result) return result;
    }
    throw portInUseError(plan.port, others);
  }

  async function allocate(params: AllocateParams, options: AllocateOptions = {}): Promise<AllocateResult> {
    const owner = await admitOwner(params, options.owner);
    // The service the plan may answer with an existing allocation (or its sticky port) for.
    const reuseService = options.alwaysNew ? undefined : params.service;
    const plan = planAllocation({
      existing: findExisting(reuseService, params.pid, owner.startTime) ?? null,
      request: {
        service: reuseService ?? null,
        type: params.type ?? null,
        port: params.port ?? null,
        range: params.range ?? null,
        pid: params.pid,
        pidStartTime: owner.startTime,
        preferred: params.preferred ?? [],
        exclude: params.exclude !== undefined && params.exclude.length > 0 ? new Set(params.exclude) : NO_PORTS,
      },
      allocations: store.allocations,
      sticky: store.sticky,
      policy: deps.settings().policy,
      cursors,
    });
    switch (plan.kind) {
      case 'existing':
        return existingResult(plan.allocation, []);
      case 'error':
        throw new PortsError(plan.code, plan.message, plan.details);
      case 'exact': {
        const probed = await probePort(plan.port);
        if (probed === 'in_use') return adoptOrRefuse(params, reuseService, plan, owner.startTime);
        const result = probed === 'free' ? await commitNew(params, reuseService, plan.port, plan.type, owner.startTime, { sticky: false, warnings: plan.warnings }) : null;
        if (!result) throw portInUseError(plan.port, []);
        return result;
      }
      case 'search': {
        let inUse = 0;
        for (const preferred of plan.preferred) {
          if (store.allocations.has(preferred.port)) continue;
          if (!(await probeExclusive(preferred.port))) {
            if (inRange(preferred.port, plan.range)) inUse++;
            continue;
          }
          const { sticky, warnings } = preferred;
          const result = await commitNew(params, reuseService, preferred.port, preferred.type, owner.startTime, { sticky, warnings });
          if (result) return result;
        }
        // The generator reads the live map, so ports taken by concurrent requests are skipped.
        for (const port of plan.candidates) {
          if (store.allocations.has(port)) continue;
          if (!(await probeExclusive(port))) {
            inUse++;
            continue;
          }
          const sticky = port === plan.stickyPort;
          if (!sticky) cursors.set(rangeKey(plan.range), port);
          const result = await commitNew(params, reuseService, port, plan.type, owner.startTime, { sticky, warnings: [] });
          if (result) return result;
        }
        const { message, details } = exhaustedMessage({
          label: plan.label,
          range: plan.range,
          allocations: store.allocations,
          inUseByOs: inUse,
          ...(params.preferred !== undefined ? { preferred: params.preferred } : {}),
          requestExcluded: (params.exclude?.length ?? 0) > 0,
        });
        throw new PortsError('E_NO_FREE_PORT', message, details);
      }
    }
  }

  async function release(params: ReleaseParams): Promise<ReleaseResult> {
    const named = [...new Set(params.ports ?? [])];
    const matches = (allocation: Allocation): boolean =>
      (named.length === 0 || named.includes(allocation.port)) &&
      (params.service === undefined || allocation.service === params.service) &&
      (params.pid === undefined || allocation.pid === params.pid) &&
      (params.owner === undefined || allocation.owner === params.owner);

    const byService = params.service !== undefined ? store.servicePorts(params.service) : undefined;
    const candidates =
      named.length > 0
        ? named.map((port) => store.allocations.get(port))
        : params.service !== undefined
          ? [...(byService ?? [])].map((port) => store.allocations.get(port))
          : [...store.allocations.values()];
    const selected = candidates.filter((a): a is Allocation => a !== undefined && matches(a));
    const releasedPorts = new Set(selected.map((allocation) => allocation.port));
    const notFound = named.filter((port) => !releasedPorts.has(port));

    if (params.strict && (selected.length === 0 || notFound.length > 0)) {
      const what = notFound.length > 0 ? `port${notFound.length > 1 ? 's' : ''} ${notFound.join(', ')}` : 'anything matching';
      throw new PortsError('E_NOT_FOUND', `Nothing released: ${what} not allocated`, { notFound });
    }
    if (selected.length === 0) return { released: [], notFound };
    for (const allocation of selected) store.remove(allocation.port);
    await store.commit();
    for (const allocation of selected) deps.onReleased?.(allocation, 'released');
    return { released: selected, notFound };
  }

  return { allocate, release };
}
