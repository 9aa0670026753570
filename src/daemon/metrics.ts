/**
 * The daemon's Prometheus metrics, in a registry it owns (never the global one), `ports_`
 * prefix, no per-port labels.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface DaemonMetrics {
  registry: Registry;
  allocationsTotal: Counter<'result'>;
  releasesTotal: Counter<'reason'>;
  healthChecksTotal: Counter;
  healthChecksHealthy: Gauge;
  healthChecksUnhealthy: Gauge;
  healthChecksUnknown: Counter<'check'>;
  staleCleaned: Counter<'reason'>;
  healthActions: Counter<'action'>;
  cycleDuration: Histogram;
  requestDuration: Histogram<'op'>;
  portserverRequests: Counter<'result'>;
  text(): Promise<string>;
}

export function createMetrics(options: { allocations: () => number; defaults: boolean }): DaemonMetrics {
  const registry = new Registry();
  if (options.defaults) collectDefaultMetrics({ register: registry, prefix: 'ports_' });
  new Gauge({
    name: 'ports_allocations',
    help: 'Allocations currently held',
    registers: [registry],
    collect() {
      this.set(options.allocations());
    },
  });
  const metrics: DaemonMetrics = {
    registry,
    allocationsTotal: new Counter({
      name: 'ports_allocations_total',
      help: 'Allocate requests by result (new, existing, adopted, conflict, no_free_port, error)',
      labelNames: ['result'],
      registers: [registry],
    }),
    releasesTotal: new Counter({
      name: 'ports_releases_total',
      help: 'Allocations that ended, by reason (released, or the reclaim reason)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    healthChecksTotal: new Counter({ name: 'ports_health_checks_total', help: 'Allocation health checks performed', registers: [registry] }),
    healthChecksHealthy: new Gauge({ name: 'ports_health_checks_healthy', help: 'Allocations healthy in the last cycle', registers: [registry] }),
    healthChecksUnhealthy: new Gauge({ name: 'ports_health_checks_unhealthy', help: 'Allocations failing in the last cycle', registers: [registry] }),
    healthChecksUnknown: new Counter({
      name: 'ports_health_checks_unknown_total',
      help: 'Health checks that could not be made (out of descriptors or memory, /proc unreadable, a probe of ours timed out), by check (process, listen, http); never counted as failures',
      labelNames: ['check'],
      registers: [registry],
    }),
    staleCleaned: new Counter({
      name: 'ports_stale_allocations_cleaned_total',
      help: 'Allocations reclaimed by the health monitor or cleanup, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    healthActions: new Counter({
      name: 'ports_health_actions_total',
      help: 'HealthMonitor verdicts by what was done (report: kept and marked unhealthy, release, kill: the owner\'s listeners stopped, then released)',
      labelNames: ['action'],
      registers: [registry],
    }),
    cycleDuration: new Histogram({
      name: 'ports_health_cycle_duration_seconds',
      help: 'Wall time of one health cycle',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'ports_request_duration_seconds',
      help: 'Socket request handling time by op',
      labelNames: ['op'],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    portserverRequests: new Counter({
      name: 'ports_portserver_requests_total',
      help: 'Portserver-protocol connections by result (allocated, invalid, refused, exhausted, error, timeout, abandoned)',
      labelNames: ['result'],
      registers: [registry],
    }),
    text: () => registry.metrics(),
  };
  return metrics;
}
