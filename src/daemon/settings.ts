/**
 * The one path from configuration to the daemon's parts. `daemonSettings(config, host)` maps the
 * validated configuration (snake_case, as users write it) and what the host says (ephemeral
 * range, descriptor limit) to what each part reads (camelCase), in this one place. A
 * `SettingsHolder` keeps the settings in force: parts read their slice through a getter on each
 * use, and a reload (SIGHUP) swaps the whole object in one step, so nothing is patched in place.
 * The real daemon (daemon.ts) and the in-memory one (testing.ts) both build their settings here.
 */
import type { PortPolicy } from '../allocator/policy.js';
import { exclusionRanges, type Config } from '../config/schema.js';
import type { HealthSettings } from '../health/monitor.js';
import type { HistoryBounds } from '../health/release-history.js';
import { portserverPool, type PortserverSettings } from '../portserver/start.js';
import type { PortRange } from '../shared/port-range.js';
import type { CompactionSettings } from '../state/store.js';
import type { FdLimit } from '../system/fd-limit.js';
import type { AllocationSettings } from './allocation-service.js';
import { connectionBudget, type ConnectionBudget } from './connection-budget.js';
import type { ServerLimits } from './server.js';

/** What the host says, read once at start. */
export interface HostFacts {
  /** The kernel's ephemeral port range; null when unknown (or for an in-memory daemon's fake OS). */
  ephemeral: PortRange | null;
  /** RLIMIT_NOFILE; null when unknown (the configuration alone then sets the connection limits). */
  fdLimit: FdLimit | null;
}

export interface DaemonSettings {
  /** The configuration these settings were made from (what a reload compares against). */
  readonly config: Config;
  readonly logLevel: string;
  readonly allocation: AllocationSettings;
  readonly health: HealthSettings;
  readonly history: HistoryBounds;
  /** Connections per socket, from limits.max_connections and the descriptor limit. */
  readonly budget: ConnectionBudget;
  readonly connections: ServerLimits;
  readonly shutdownTimeoutMs: number;
  readonly store: { compaction: CompactionSettings; stickyMax: number };
  readonly audit: { maxBytes: number; keepFiles: number };
  /** The HTTP endpoint for /metrics; null: only over the socket. */
  readonly metrics: { host: Config['metrics']['host']; port: number } | null;
  /** The portserver socket; null: off. */
  readonly portserver: (PortserverSettings & { socket: string }) | null;
}

function portPolicy(config: Config, host: Pick<HostFacts, 'ephemeral'>): PortPolicy {
  return {
    types: config.types,
    defaultType: config.default_type,
    exclusions: exclusionRanges(config),
    ephemeral: config.skip_ephemeral_range ? host.ephemeral : null,
    skipBrowserUnsafe: config.skip_browser_unsafe_ports,
  };
}

export function daemonSettings(config: Config, host: HostFacts): DaemonSettings {
  const h = config.health_monitoring;
  const limits = config.limits;
  const budget = connectionBudget({ configured: limits.max_connections, fdLimit: host.fdLimit, portserver: config.portserver.socket !== null });
  return {
    config,
    logLevel: config.log_level,
    allocation: { policy: portPolicy(config, host), maxAllocationsPerOwner: limits.max_allocations_per_owner },
    health: {
      enabled: h.enabled,
      checkIntervalMs: h.check_interval_ms,
      maxFailures: h.max_failures,
      cleanup: h.cleanup_stale_allocations,
      startupGraceMs: h.startup_grace_ms,
      httpTimeoutMs: h.http_timeout_ms,
      httpSlowMs: h.http_slow_ms,
      httpExpected: h.http_expected_status,
      httpAction: h.http_failure_action,
      killTimeoutMs: h.kill_timeout_ms,
    },
    history: { maxEntries: h.history_max_entries, maxAgeMs: h.history_max_age_ms },
    budget,
    connections: {
      maxLineBytes: limits.max_line_bytes,
      maxConnections: budget.main,
      idleTimeoutMs: limits.idle_timeout_ms,
      requestLineTimeoutMs: limits.request_line_timeout_ms,
    },
    shutdownTimeoutMs: limits.shutdown_timeout_ms,
    store: {
      compaction: { maxBytes: config.state.journal_max_bytes, maxRecords: config.state.journal_max_records, idleMs: config.state.compact_idle_ms },
      stickyMax: config.state.sticky_max_entries,
    },
    audit: { maxBytes: config.audit.max_bytes, keepFiles: config.audit.keep_files },
    metrics: config.metrics.port !== null ? { host: config.metrics.host, port: config.metrics.port } : null,
    portserver:
      config.portserver.socket !== null
        ? { socket: config.portserver.socket, pool: portserverPool(config.portserver.range), timeoutMs: config.portserver.timeout_ms }
        : null,
  };
}

/** The sections a running daemon cannot change, and what to tell the user instead. */
const RESTART_ONLY: ReadonlyArray<[keyof Config, string]> = [
  ['paths', 'paths: restart the daemon to use new socket or state paths'],
  ['metrics', 'metrics: restart the daemon to change the HTTP endpoint'],
  ['portserver', 'portserver: restart the daemon to change the portserver socket'],
  ['audit', 'audit: restart the daemon to change audit log rotation'],
  ['state', 'state: restart the daemon to change journal compaction or the sticky-port bound'],
];

/**
 * What a reload puts in force: the new settings, except what only a restart can change (those
 * keep their running values and are named in `notes`). Pure.
 */
export function reloadedSettings(running: DaemonSettings, next: DaemonSettings): { settings: DaemonSettings; notes: string[] } {
  const notes: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const [section, note] of RESTART_ONLY) if (!same(next.config[section], running.config[section])) notes.push(note);
  // The portserver's socket was bound with its connection limit; it keeps it.
  if (running.portserver !== null && next.budget.portserver !== running.budget.portserver) {
    notes.push('limits.max_connections: the portserver socket keeps its limit until a restart');
  }
  // A portserver switched on or off waits for a restart, and so does the division of descriptors
  // it implies: until then the main socket keeps the share it has.
  const sameSockets = (running.portserver === null) === (next.portserver === null);
  const budget = sameSockets ? { ...next.budget, portserver: running.budget.portserver } : running.budget;
  const settings: DaemonSettings = {
    ...next,
    budget,
    connections: { ...next.connections, maxConnections: budget.main },
    store: running.store,
    audit: running.audit,
    metrics: running.metrics,
    portserver: running.portserver,
  };
  return { settings, notes };
}

export interface SettingsHolder {
  current(): DaemonSettings;
  /** Put `next` in force, then tell every listener (the HealthMonitor restarts its loop). */
  replace(next: DaemonSettings): void;
  onReplace(listener: (next: DaemonSettings, previous: DaemonSettings) => void): void;
}

export function createSettingsHolder(initial: DaemonSettings): SettingsHolder {
  let current = initial;
  const listeners: Array<(next: DaemonSettings, previous: DaemonSettings) => void> = [];
  return {
    current: () => current,
    replace(next) {
      const previous = current;
      current = next;
      for (const listener of listeners) listener(next, previous);
    },
    onReplace(listener) {
      listeners.push(listener);
    },
  };
}
