/**
 * The daemon's parts wired together, with every outside effect passed in: the real daemon
 * (daemon.ts) and the in-memory one (testing.ts) differ only in what they pass.
 */
import { isPortsError } from '../errors.js';
import type { DaemonInfo } from '../protocol/results.js';
import type { Clock } from '../shared/clock.js';
import type { StateStore } from '../state/store.js';
import type { PortHolderLookup } from '../system/port-holders.js';
import type { PortProbe } from '../system/port-probe.js';
import type { ProcessInspector } from '../system/process-info.js';
import { createHealthMonitor, type HealthMonitor, type Timers } from '../health/monitor.js';
import type { HealthProbes } from '../health/probes.js';
import type { ListenerStopper } from '../health/stop-listeners.js';
import { createReleaseHistory, type ReleaseHistory } from '../health/release-history.js';
import { createAllocationService, type AllocationService } from './allocation-service.js';
import { createLeaseService } from './lease-service.js';
import { auditAllocation, createAuditTrail, type AuditTrail } from './audit.js';
import { createReleaseRecorder } from './release-record.js';
import type { SettingsHolder } from './settings.js';
import type { Handler } from '../protocol/session.js';
import { createHandler } from './handler.js';
import { createMetrics, type DaemonMetrics } from './metrics.js';

export interface CoreLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
  debug(object: object, message: string): void;
}

export interface CoreDeps {
  /** The settings in force; the core reads its parts' slices from it and follows replacements. */
  settings: SettingsHolder;
  store: StateStore;
  probe: PortProbe;
  processes: ProcessInspector;
  /** Who holds a port an exact allocate found in use. */
  holders: PortHolderLookup;
  healthProbes: HealthProbes;
  /** Finds and stops an owner's listeners for the HealthMonitor's kill action. */
  stopper: ListenerStopper;
  clock: Clock;
  log: CoreLog;
  auditFile: { write(line: string): void; close(): Promise<void> } | null;
  info(): DaemonInfo;
  accepting(): boolean;
  requestShutdown(): void;
  /** Collect process metrics (the real daemon); off for in-memory daemons. */
  processMetrics: boolean;
  timers?: Timers;
}

export interface DaemonCore {
  handler: Handler;
  monitor: HealthMonitor;
  audit: AuditTrail;
  metrics: DaemonMetrics;
  allocations: AllocationService;
  history: ReleaseHistory;
}

export function createDaemonCore(deps: CoreDeps): DaemonCore {
  const { store, clock, log, settings } = deps;
  const audit = createAuditTrail({ file: deps.auditFile, clock });
  const metrics = createMetrics({ allocations: () => store.allocations.size, defaults: deps.processMetrics });
  const history = createReleaseHistory(() => settings.current().history);
  const recordRelease = createReleaseRecorder({ metrics, history, audit, clock, log });

  const service = createAllocationService({
    store,
    settings: () => settings.current().allocation,
    probe: deps.probe,
    processes: deps.processes,
    holders: deps.holders,
    clock,
    onAllocated(allocation, adopted) {
      audit.record({
        type: 'allocation.created',
        allocation: auditAllocation(allocation),
        ...(adopted ? { details: { adopted: true, listener: { pid: adopted.pid, command: adopted.command } } } : {}),
      });
    },
    onReleased: (allocation, reason) => recordRelease(allocation, reason),
  });

  // Count every allocate by its outcome for ports_allocations_total{result}.
  const allocations: AllocationService = {
    async allocate(params, options) {
      try {
        const result = await service.allocate(params, options);
        metrics.allocationsTotal.inc({ result: result.existing ? 'existing' : result.adopted ? 'adopted' : 'new' });
        return result;
      } catch (error) {
        const code = isPortsError(error) ? error.code : 'E_INTERNAL';
        metrics.allocationsTotal.inc({ result: code === 'E_CONFLICT' ? 'conflict' : code === 'E_NO_FREE_PORT' ? 'no_free_port' : 'error' });
        throw error;
      }
    },
    release: (params) => service.release(params),
  };

  const monitor = createHealthMonitor({
    store,
    probes: deps.healthProbes,
    stopper: deps.stopper,
    clock,
    settings: () => settings.current().health,
    log,
    ...(deps.timers ? { timers: deps.timers } : {}),
    hooks: {
      reclaimed(allocation, reason, failures, kill) {
        if (kill === undefined) metrics.healthActions.inc({ action: 'release' });
        recordRelease(allocation, reason, { failures, ...(kill !== undefined ? { details: { ...kill } } : {}) });
      },
      transition(allocation, kind, reason, failures) {
        if (kind === 'reported') {
          metrics.healthActions.inc({ action: 'report' });
          log.warn({ port: allocation.port, service: allocation.service, ownerPid: allocation.pid, reason, failures }, 'allocation unhealthy; kept (only reported)');
        }
        audit.record({
          type: `health.${kind}`,
          allocation: auditAllocation(allocation),
          ...(reason !== null ? { reason } : {}),
          failures,
        });
      },
      killing(allocation, holders) {
        metrics.healthActions.inc({ action: 'kill' });
        log.warn({ port: allocation.port, service: allocation.service, ownerPid: allocation.pid, pids: holders.map((holder) => holder.pid) }, 'health URL keeps failing; stopping the server');
        audit.record({
          type: 'health.killing',
          allocation: auditAllocation(allocation),
          reason: 'http_unhealthy',
          failures: allocation.health.failures,
          details: { pids: holders.map((holder) => holder.pid), commands: holders.map((holder) => holder.command), timeout_ms: settings.current().health.killTimeoutMs },
        });
      },
      cycle(report) {
        metrics.healthChecksTotal.inc(report.checked);
        metrics.healthChecksHealthy.set(report.healthy);
        metrics.healthChecksUnhealthy.set(report.unhealthy);
        for (const check of ['process', 'listen', 'http'] as const) {
          if (report.unknownChecks[check] > 0) metrics.healthChecksUnknown.inc({ check }, report.unknownChecks[check]);
        }
        metrics.cycleDuration.observe(report.durationMs / 1000);
      },
    },
  });

  // A reload restarts the loop, so a new interval applies now, not after the one already scheduled.
  settings.onReplace(() => {
    void monitor.stop().then(() => monitor.start());
  });

  const leases = createLeaseService({
    store,
    processes: deps.processes,
    probes: deps.healthProbes,
    clock,
    onSwept: (allocation, reason) => recordRelease(allocation, reason, { by: 'cleanup' }),
  });

  const handler = createHandler({
    allocations,
    leases,
    store,
    info: deps.info,
    accepting: deps.accepting,
    requestShutdown: deps.requestShutdown,
    log,
    audit,
    metrics: { contentType: metrics.registry.contentType, text: () => metrics.text() },
    health: { statistics: () => monitor.statistics(), recentReleases: () => history.list(clock.now()) },
    onRequest(op, ok, seconds) {
      if (op !== 'invalid') metrics.requestDuration.observe({ op }, seconds);
    },
  });

  return {
    handler,
    monitor,
    audit,
    metrics,
    allocations,
    history,
  };
}
