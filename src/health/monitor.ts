/**
 * The HealthMonitor: every check_interval_ms, observe every allocation's owner, port and health
 * URL, decide (decide.ts), apply the verdicts to the store durably, then report. Cycles never
 * overlap; a failing cycle never stops the loop; start/stop are idempotent and stop waits for
 * the cycle in flight. Failure counts live in the allocations, so they survive a restart.
 * A check that could not be made (unknown) changes no count; an episode of them is logged once
 * when it begins and once when it ends. A `kill` verdict runs beside the loop (SIGTERM, a wait,
 * SIGKILL): the allocation is left to it, and released when the owner's listeners are stopped.
 */
import type { Allocation } from '../protocol/allocation.js';
import type { HealthStatistics, ReclaimReason } from '../protocol/results.js';
import type { Clock } from '../shared/clock.js';
import type { StateStore } from '../state/store.js';
import { decide, type Verdict } from './decide.js';
import { observe } from './observe.js';
import { createUnknownEpisodes } from './unknown-episodes.js';
import type { CycleReport, UnknownChecks } from './cycle-report.js';
import type { HealthProbes } from './probes.js';
import type { HealthSettings } from './settings.js';
import type { ListenerStopper, PortHolder, StoppedHolder } from './stop-listeners.js';

export type { HealthSettings };

export interface MonitorLog {
  info?(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** How a `kill` verdict went, for the reclaim's audit event. */
export interface KillDetails {
  action: 'kill';
  stopped: StoppedHolder[];
}

export interface MonitorHooks {
  /** After the release is durable; `kill` when the owner's listeners were stopped first. */
  reclaimed(allocation: Allocation, reason: ReclaimReason, failures: number, kill?: KillDetails): void;
  /**
   * After the new health is durable: the count left 0 (unhealthy), came back to 0 (recovered),
   * or reached max_failures and the allocation stays (reported).
   */
  transition(allocation: Allocation, kind: 'unhealthy' | 'recovered' | 'reported', reason: ReclaimReason | null, failures: number): void;
  /** A kill verdict: these processes of the owner's tree (maybe none) are about to get SIGTERM. */
  killing(allocation: Allocation, holders: readonly PortHolder[]): void;
  cycle(report: CycleReport): void;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): { unref?(): unknown };
  clearTimeout(handle: unknown): void;
}

export interface HealthMonitorDeps {
  store: StateStore;
  probes: HealthProbes;
  /** Finds and stops the owner's listeners for a kill verdict. */
  stopper: ListenerStopper;
  clock: Clock;
  /** The settings in force, read on each use (a reload replaces them). */
  settings(): HealthSettings;
  log: MonitorLog;
  hooks: MonitorHooks;
  timers?: Timers;
}

export type { CycleReport, UnknownChecks };

export interface HealthMonitor {
  /** Start the loop; the first cycle runs after `firstCycleInMs` (default: at once). Idempotent. */
  start(options?: { firstCycleInMs?: number }): void;
  stop(): Promise<void>;
  /** One cycle now (waits for the one in flight instead of overlapping it). */
  runCycle(): Promise<CycleReport>;
  statistics(): HealthStatistics;
}

/** failing_details lists at most this many (failing_allocations counts them all). */
const FAILING_DETAILS_MAX = 100;

/** The same allocation, not a new one made on its port meanwhile (health updates replace the object). */
function sameAllocation(a: Allocation, b: Allocation): boolean {
  return a.createdAt === b.createdAt && a.pid === b.pid && a.pidStartTime === b.pidStartTime;
}

export function createHealthMonitor(deps: HealthMonitorDeps): HealthMonitor {
  const { store, probes, stopper, clock, log, hooks } = deps;
  /** The settings in force, read on each use (a reload replaces them). */
  const settings = (): HealthSettings => deps.settings();
  const timers: Timers = deps.timers ?? { setTimeout: (cb, ms) => setTimeout(cb, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
  const createdAt = clock.monotonic();
  let active = false;
  let timer: unknown = null;
  let inFlight: Promise<CycleReport> | null = null;
  let abort = new AbortController();
  let lastCycle: CycleReport | null = null;
  let cycles = 0;
  let reclaimedTotal = 0;
  /** Kill verdicts in progress, by port: the cycle leaves these allocations to them. */
  const killing = new Map<number, Promise<void>>();
  const unknownEpisodes = createUnknownEpisodes(log, () => probes.lastUnknownCause?.() ?? null);

  async function cycle(): Promise<CycleReport> {
    const signal = abort.signal;
    const started = clock.now();
    const t0 = clock.monotonic();
    const snapshot = [...store.allocations.values()];
    // One cycle runs on one set of settings, even when a reload lands during it.
    const current = settings();
    const observations = await observe(snapshot, { now: started, signal, probes, settings: current });
    const now = clock.now();
    const nowIso = new Date(now).toISOString();
    if (signal.aborted) {
      // Stopped mid-cycle: apply nothing, report nothing.
      return { startedAt: new Date(started).toISOString(), durationMs: clock.monotonic() - t0, checked: 0, healthy: 0, unhealthy: 0, unknown: 0, unknownChecks: { process: 0, listen: 0, http: 0 }, released: 0 };
    }

    const released: Array<{ allocation: Allocation; verdict: Verdict }> = [];
    const transitions: Array<{ allocation: Allocation; verdict: Verdict }> = [];
    const kills: Allocation[] = [];
    let healthy = 0;
    let unhealthy = 0;
    let unknown = 0;
    const unknownChecks: UnknownChecks = { process: 0, listen: 0, http: 0 };
    let durableChange = false;
    for (const allocation of snapshot) {
      const observation = observations.get(allocation);
      // Released or replaced by a request while we looked: that request decided.
      if (!observation || store.allocations.get(allocation.port) !== allocation) continue;
      // Its listeners are being stopped: the kill releases it.
      if (killing.has(allocation.port)) continue;
      const verdict = decide(allocation, observation, now, current, nowIso);
      if (observation.process === 'unknown') unknownChecks.process++;
      if (observation.listening === 'unknown') unknownChecks.listen++;
      if (observation.http === 'unknown') unknownChecks.http++;
      if (verdict.outcome === 'passed') healthy++;
      else if (verdict.outcome === 'failed') unhealthy++;
      else unknown++;
      if (verdict.action === 'release') {
        store.remove(allocation.port);
        released.push({ allocation, verdict });
        durableChange = true;
        continue;
      }
      // Only a changed failure count or reason is journaled; status and lastCheckAt change memory only.
      const updated = store.setHealth(allocation.port, verdict.health, verdict.changed) ?? allocation;
      if (verdict.changed) durableChange = true;
      if (verdict.transition || verdict.reported) transitions.push({ allocation: updated, verdict });
      if (verdict.action === 'kill') kills.push(updated);
    }
    if (durableChange) await store.commit();

    for (const { allocation, verdict } of transitions) {
      if (verdict.transition) hooks.transition(allocation, verdict.transition, verdict.reason, verdict.health.failures);
      if (verdict.reported) hooks.transition(allocation, 'reported', verdict.reason, verdict.health.failures);
    }
    for (const allocation of kills) startKill(allocation, current.killTimeoutMs);
    for (const { allocation, verdict } of released) {
      reclaimedTotal++;
      hooks.reclaimed({ ...allocation, health: verdict.health }, verdict.reason as ReclaimReason, verdict.health.failures);
    }
    const report: CycleReport = {
      startedAt: new Date(started).toISOString(),
      durationMs: clock.monotonic() - t0,
      checked: snapshot.length,
      healthy,
      unhealthy,
      unknown,
      unknownChecks,
      released: released.length,
    };
    unknownEpisodes.note(report);
    lastCycle = report;
    cycles++;
    hooks.cycle(report);
    return report;
  }

  /**
   * Stop the owner's listeners on the port, then release the allocation (unless it ended
   * meanwhile: its owner released it, say, once its server exited). When the monitor stops
   * first, the wait ends, no SIGKILL is sent and nothing is released: the next cycle decides again.
   */
  function startKill(allocation: Allocation, timeoutMs: number): void {
    const { port } = allocation;
    const signal = abort.signal;
    const task = (async () => {
      const holders = allocation.pid !== null ? await stopper.ownHolders(port, allocation.pid) : [];
      if (signal.aborted) return;
      hooks.killing(allocation, holders);
      const stopped = holders.length > 0 ? await stopper.stop(holders, { timeoutMs, signal }) : [];
      const current = store.allocations.get(port);
      if (signal.aborted || !current || !sameAllocation(current, allocation)) return;
      store.remove(port);
      await store.commit();
      reclaimedTotal++;
      hooks.reclaimed(current, 'http_unhealthy', current.health.failures, { action: 'kill', stopped });
    })()
      .catch((error: unknown) => log.error({ err: error, port }, 'stopping an unhealthy server failed; the next cycle decides again'))
      .finally(() => killing.delete(port));
    killing.set(port, task);
  }

  function runCycle(): Promise<CycleReport> {
    inFlight ??= cycle().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  function schedule(delayMs: number): void {
    if (!active) return;
    const handle = timers.setTimeout(() => {
      timer = null;
      const began = clock.monotonic();
      runCycle()
        .catch((error: unknown) => log.error({ err: error }, 'health cycle failed; the next one runs as planned'))
        .finally(() => schedule(Math.max(0, settings().checkIntervalMs - (clock.monotonic() - began))));
    }, delayMs);
    handle.unref?.();
    timer = handle;
  }

  return {
    start(options = {}) {
      if (active || !settings().enabled) return;
      active = true;
      abort = new AbortController();
      schedule(options.firstCycleInMs ?? 0);
    },
    async stop() {
      active = false;
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
      // Ends the cycle in flight and any kill's wait; a cycle run by hand afterwards gets a fresh signal.
      const stopping = abort;
      abort = new AbortController();
      stopping.abort();
      await inFlight?.catch(() => undefined);
      await Promise.all(killing.values());
    },
    runCycle,
    statistics() {
      // From the store's indexes: O(failing), not O(allocations).
      const summary = store.summary();
      const failing: Allocation[] = [];
      for (const port of store.failing) {
        const allocation = store.allocations.get(port);
        if (allocation) failing.push(allocation);
      }
      failing.sort((a, b) => a.port - b.port);
      return {
        enabled: settings().enabled,
        active,
        check_interval_ms: settings().checkIntervalMs,
        max_failures: settings().maxFailures,
        cleanup_stale_allocations: settings().cleanup,
        startup_grace_ms: settings().startupGraceMs,
        http_failure_action: settings().httpAction,
        total_allocations: summary.total,
        tracked_allocations: summary.tracked,
        failing_allocations: failing.length,
        failing_details: failing.slice(0, FAILING_DETAILS_MAX).map((a) => ({ port: a.port, failures: a.health.failures, reason: a.health.reason })),
        last_cycle: lastCycle && {
          started_at: lastCycle.startedAt,
          duration_ms: Math.round(lastCycle.durationMs * 1000) / 1000,
          checked: lastCycle.checked,
          healthy: lastCycle.healthy,
          unhealthy: lastCycle.unhealthy,
          unknown: lastCycle.unknown,
          released: lastCycle.released,
        },
        cycles,
        reclaimed_total: reclaimedTotal,
        uptime_ms: Math.round(clock.monotonic() - createdAt),
      };
    },
  };
}
