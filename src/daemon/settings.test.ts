import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createSettingsHolder, daemonSettings, reloadedSettings } from './settings.js';

const shipped = (): Config => loadConfig({ env: {}, userFile: null }).config;
const host = { ephemeral: { start: 32768, end: 60999 }, fdLimit: null };

describe('daemonSettings', () => {
  it('maps every section a part reads from the configuration, in camelCase', () => {
    const config = shipped();
    const settings = daemonSettings(config, host);
    expect(settings.health).toEqual({
      enabled: config.health_monitoring.enabled,
      checkIntervalMs: config.health_monitoring.check_interval_ms,
      maxFailures: config.health_monitoring.max_failures,
      cleanup: config.health_monitoring.cleanup_stale_allocations,
      startupGraceMs: config.health_monitoring.startup_grace_ms,
      httpTimeoutMs: config.health_monitoring.http_timeout_ms,
      httpSlowMs: config.health_monitoring.http_slow_ms,
      httpExpected: config.health_monitoring.http_expected_status,
      httpAction: config.health_monitoring.http_failure_action,
      killTimeoutMs: config.health_monitoring.kill_timeout_ms,
    });
    expect(settings.history).toEqual({ maxEntries: config.health_monitoring.history_max_entries, maxAgeMs: config.health_monitoring.history_max_age_ms });
    expect(settings.allocation.maxAllocationsPerOwner).toBe(config.limits.max_allocations_per_owner);
    expect(settings.allocation.policy).toMatchObject({ types: config.types, defaultType: config.default_type, skipBrowserUnsafe: config.skip_browser_unsafe_ports });
    expect(settings.connections).toEqual({
      maxLineBytes: config.limits.max_line_bytes,
      maxConnections: config.limits.max_connections,
      idleTimeoutMs: config.limits.idle_timeout_ms,
      requestLineTimeoutMs: config.limits.request_line_timeout_ms,
    });
    expect(settings.store).toEqual({
      compaction: { maxBytes: config.state.journal_max_bytes, maxRecords: config.state.journal_max_records, idleMs: config.state.compact_idle_ms },
      stickyMax: config.state.sticky_max_entries,
    });
    expect(settings.metrics).toBeNull();
    expect(settings.portserver).toBeNull();
  });

  it('skips the ephemeral range only when the configuration says so', () => {
    expect(daemonSettings(shipped(), host).allocation.policy.ephemeral).toEqual(host.ephemeral);
    expect(daemonSettings({ ...shipped(), skip_ephemeral_range: false }, host).allocation.policy.ephemeral).toBeNull();
  });

  it('fits connections to the descriptor limit and gives the portserver its share', () => {
    const config: Config = { ...shipped(), portserver: { ...shipped().portserver, socket: '/tmp/x/portserver.sock' } };
    const settings = daemonSettings(config, { ephemeral: null, fdLimit: { soft: 1024, hard: 1024 } });
    expect(settings.budget.portserver).toBeGreaterThan(0);
    expect(settings.connections.maxConnections).toBe(settings.budget.main);
    expect(settings.portserver).toEqual({ socket: '/tmp/x/portserver.sock', pool: { type: 'test' }, timeoutMs: config.portserver.timeout_ms });
  });
});

describe('reloadedSettings', () => {
  it('takes what may change while running and names what needs a restart', () => {
    const running = daemonSettings(shipped(), host);
    const changed: Config = {
      ...shipped(),
      limits: { ...shipped().limits, request_line_timeout_ms: 300, max_allocations_per_owner: 7 },
      health_monitoring: { ...shipped().health_monitoring, max_failures: 9 },
      audit: { ...shipped().audit, keep_files: 1 },
      metrics: { ...shipped().metrics, port: 9999 },
    };
    const { settings, notes } = reloadedSettings(running, daemonSettings(changed, host));
    expect(settings.connections.requestLineTimeoutMs).toBe(300);
    expect(settings.allocation.maxAllocationsPerOwner).toBe(7);
    expect(settings.health.maxFailures).toBe(9);
    // Bound or opened at start: kept until a restart.
    expect(settings.audit).toBe(running.audit);
    expect(settings.metrics).toBeNull();
    expect(notes).toEqual(['metrics: restart the daemon to change the HTTP endpoint', 'audit: restart the daemon to change audit log rotation']);
  });

  it('keeps the main socket\'s share of descriptors when a reload would switch the portserver on', () => {
    const fds = { ephemeral: null, fdLimit: { soft: 1024, hard: 1024 } };
    const running = daemonSettings(shipped(), fds);
    const withPortserver: Config = { ...shipped(), portserver: { ...shipped().portserver, socket: '/tmp/x/portserver.sock' } };
    const { settings, notes } = reloadedSettings(running, daemonSettings(withPortserver, fds));
    expect(notes).toContain('portserver: restart the daemon to change the portserver socket');
    expect(settings.portserver).toBeNull();
    expect(settings.budget).toEqual(running.budget);
    expect(settings.connections.maxConnections).toBe(running.connections.maxConnections);
  });

  it('says nothing when only reloadable sections changed', () => {
    const running = daemonSettings(shipped(), host);
    const next = daemonSettings({ ...shipped(), log_level: 'debug' }, host);
    expect(reloadedSettings(running, next)).toMatchObject({ notes: [], settings: { logLevel: 'debug' } });
  });
});

describe('the settings holder', () => {
  it('hands out the settings in force and tells listeners when they are replaced', () => {
    const first = daemonSettings(shipped(), host);
    const second = daemonSettings({ ...shipped(), log_level: 'warn' }, host);
    const holder = createSettingsHolder(first);
    const seen: Array<[string, string]> = [];
    holder.onReplace((next, previous) => seen.push([previous.logLevel, next.logLevel]));
    expect(holder.current()).toBe(first);
    holder.replace(second);
    expect(holder.current()).toBe(second);
    expect(seen).toEqual([[first.logLevel, 'warn']]);
  });
});
