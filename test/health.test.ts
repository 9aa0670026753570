import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/protocol/events.js';
import { waitFor } from './helpers/daemon.js';
import { healthDaemon as startHealthDaemon } from './helpers/health-daemon.js';
import { spawnTracked, startServer, startSleeper, testPort } from './helpers/processes.js';

const INTERVAL = 100;
const MAX_FAILURES = 2;
// Generous: a loaded CI machine can take a second to start a node process.
const GRACE = 2000;

const healthDaemon = (overrides: Record<string, unknown> = {}) =>
  startHealthDaemon({ check_interval_ms: INTERVAL, max_failures: MAX_FAILURES, startup_grace_ms: GRACE, http_timeout_ms: 300, http_slow_ms: 150, ...overrides });

describe('HealthMonitor with real processes', () => {
  it('keeps the port of a server that listens, across many cycles', async () => {
    const { daemon, client, waitCycles } = await healthDaemon();
    const port = await testPort();
    const server = startServer(port);
    await client.allocate({ port, pid: server.pid, service: 'live' });
    await server.listening;
    await waitCycles(Math.ceil(GRACE / INTERVAL) + 10);
    expect(daemon.store.allocations.get(port)?.health).toMatchObject({ failures: 0, status: 'healthy' });
  });

  it('reclaims a killed server within check_interval × max_failures plus a little', async () => {
    const { daemon, client, reclaimOf } = await healthDaemon();
    const port = await testPort();
    const server = startServer(port);
    await client.allocate({ port, pid: server.pid, service: 'doomed' });
    await server.listening;
    const killedAt = Date.now();
    server.child.kill('SIGKILL');
    await waitFor(() => !daemon.store.allocations.has(port), 'the reclaim');
    // One cycle may be in flight when the owner dies; allow it and scheduling slack on a loaded
    // machine (the bench measures the real figure against the contract's interval × max + 1 s).
    expect(Date.now() - killedAt).toBeLessThan(INTERVAL * (MAX_FAILURES + 1) + 2500);
    await waitFor(() => reclaimOf(port) !== undefined, 'the audit event');
    expect(reclaimOf(port)).toMatchObject({ reason: 'process_dead', failures: MAX_FAILURES, allocation: { service: 'doomed' } });
  });

  it('reclaims an allocation nobody listens on, but only after the grace period', async () => {
    const { client, reclaimOf } = await healthDaemon();
    const sleeper = await startSleeper();
    const { allocation } = await client.allocate({ pid: sleeper.pid ?? 0, service: 'silent', port: await testPort() });
    const allocatedAt = Date.now();
    await waitFor(() => reclaimOf(allocation.port) !== undefined, 'the reclaim event');
    expect(Date.now() - allocatedAt).toBeGreaterThanOrEqual(GRACE);
    expect(reclaimOf(allocation.port)).toMatchObject({ reason: 'not_listening' });
  });

  it('keeps the port of a server that binds late but inside the grace period', async () => {
    const { daemon, client, waitCycles } = await healthDaemon();
    const port = await testPort();
    const server = startServer(port, '--delay', String(GRACE / 2));
    await client.allocate({ port, pid: server.pid, service: 'slow-start' });
    await server.listening;
    await waitCycles(Math.ceil(GRACE / INTERVAL) + 5);
    expect(daemon.store.allocations.get(port)?.health).toMatchObject({ failures: 0, status: 'healthy' });
  });

  it('counts a listener started by a child of the owner', async () => {
    const { daemon, client, waitCycles } = await healthDaemon();
    const port = await testPort();
    const parent = startServer(port, '--child');
    await client.allocate({ port, pid: parent.pid, service: 'npm-run-dev' });
    await parent.listening;
    await waitCycles(Math.ceil(GRACE / INTERVAL) + 5);
    expect(daemon.store.allocations.get(port)?.health.failures).toBe(0);
  });

  it('reclaims an allocation whose owner is a zombie', async () => {
    const { client, reclaimOf } = await healthDaemon();
    // sh starts `sleep 2` in the background, then becomes `sleep 30`, which never reaps it.
    const shell = spawnTracked('/bin/sh', ['-c', 'sleep 2 & echo $!; exec sleep 30']);
    const childPid = await new Promise<number>((resolve) => shell.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    const { allocation } = await client.allocate({ pid: childPid, service: 'zombie', listenCheck: false, port: await testPort() });
    await waitFor(() => reclaimOf(allocation.port) !== undefined, 'the zombie reclaim', 10_000);
    expect(reclaimOf(allocation.port)).toMatchObject({ reason: 'process_dead' });
    expect(readFileSync(`/proc/${childPid}/stat`, 'utf8')).toMatch(/\) Z /);
  });

  it('reclaims an allocation whose recorded start time does not match as pid_reused', async () => {
    const { daemon, client, reclaimOf } = await healthDaemon();
    const sleeper = await startSleeper();
    const { allocation } = await client.allocate({ pid: sleeper.pid ?? 0, service: 'reused', listenCheck: false, port: await testPort() });
    // As if the recorded owner had died and its pid had gone to this sleeper.
    daemon.store.replace({ ...allocation, pidStartTime: (allocation.pidStartTime ?? 0) + 1 });
    await waitFor(() => reclaimOf(allocation.port) !== undefined, 'the reclaim event');
    expect(reclaimOf(allocation.port)).toMatchObject({ reason: 'pid_reused' });
  });

  it('with cleanup_stale_allocations off, releases nothing but reports everything', async () => {
    const { daemon, client, waitCycles, events } = await healthDaemon({ cleanup_stale_allocations: false });
    const sleeper = await startSleeper();
    const { allocation } = await client.allocate({ pid: sleeper.pid ?? 0, service: 'kept', listenCheck: false, port: await testPort() });
    sleeper.kill('SIGKILL');
    await waitCycles(MAX_FAILURES + 5);
    expect(daemon.store.allocations.get(allocation.port)?.health).toMatchObject({ reason: 'process_dead', status: 'unhealthy' });
    const { health } = await client.status();
    expect(health.failing_details).toEqual([expect.objectContaining({ port: allocation.port, reason: 'process_dead' })]);
    expect(events.filter((e) => e.type === 'allocation.reclaimed')).toEqual([]);
    expect(events.some((e) => e.type === 'health.unhealthy' && e.allocation?.port === allocation.port)).toBe(true);
  });
});

// What failing health URLs lead to (report, release, kill): health-actions.test.ts.
describe('HTTP health checks', () => {
  it.each([
    ['a slow answer', ['--slow', '200'], 'slow'],
    ['a 204', ['--status', '204'], 'healthy'],
  ])('classifies %s', async (_what, flags, expected) => {
    const { daemon, client, waitCycles } = await healthDaemon();
    const port = await testPort();
    const server = startServer(port, ...flags);
    await client.allocate({ port, pid: server.pid, service: 'web', healthUrl: `http://127.0.0.1:${port}/health` });
    await server.listening;
    await waitCycles(Math.ceil(GRACE / INTERVAL) + 5);
    expect(daemon.store.allocations.get(port)?.health).toMatchObject({ failures: 0, status: expected });
  });
});

describe('audit trail and metrics', () => {
  it('writes events to audit.log and the stream, and the metrics move', async () => {
    const { daemon, client, events, waitCycles } = await healthDaemon();
    const sleeper = await startSleeper();
    const { allocation } = await client.allocate({ pid: sleeper.pid ?? 0, service: 'audited', listenCheck: false, port: await testPort() });
    await client.release({ ports: [allocation.port] });
    const doomed = await client.allocate({ pid: sleeper.pid ?? 0, service: 'audited-2', listenCheck: false, port: await testPort() });
    sleeper.kill('SIGKILL');
    await waitFor(() => !daemon.store.allocations.has(doomed.allocation.port), 'the reclaim');
    await waitCycles(1);

    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['allocation.created', 'allocation.released', 'health.unhealthy', 'allocation.reclaimed']));
    await waitFor(() => readFileSync(daemon.paths.auditLog, 'utf8').includes('allocation.reclaimed'), 'audit.log to be written');
    const lines = readFileSync(daemon.paths.auditLog, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as AuditEvent);
    expect(lines[0]?.type).toBe('daemon.started');
    expect(lines.map((e) => e.type)).toEqual(expect.arrayContaining(types));
    expect(readFileSync(daemon.paths.auditLog) && (await import('node:fs')).statSync(daemon.paths.auditLog).mode & 0o777).toBe(0o600);

    const { text } = await client.metrics();
    const value = (line: string) => Number(text.split('\n').find((l) => l.startsWith(line))?.split(' ').at(-1));
    expect(value('ports_allocations ')).toBe(0);
    expect(value('ports_allocations_total{result="new"}')).toBe(2);
    expect(value('ports_stale_allocations_cleaned_total{reason="process_dead"}')).toBe(1);
    expect(value('ports_releases_total{reason="released"}')).toBe(1);
    expect(value('ports_health_checks_total')).toBeGreaterThan(0);
    expect(value('ports_health_cycle_duration_seconds_count')).toBeGreaterThan(0);
    expect(text).toMatch(/^ports_request_duration_seconds_bucket\{le="0\.001",op="allocate"\} \d+$/m);
    expect(text).toMatch(/^ports_process_cpu_user_seconds_total /m);
    // Every sample line parses as name{labels} value.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eE]+|NaN|[+-]Inf$/);
    }
  });

  it('keeps the port of a UDP-only server: a bound UDP socket counts as in use', async () => {
    const { daemon, client, waitCycles, reclaimOf } = await healthDaemon();
    const port = await testPort();
    const server = startServer(port, '--udp');
    await client.allocate({ port, pid: server.pid, service: 'dns-like' });
    await server.listening;
    await waitCycles(Math.ceil(GRACE / INTERVAL) + 10);
    expect(reclaimOf(port)).toBeUndefined();
    expect(daemon.store.allocations.get(port)?.health).toMatchObject({ failures: 0, status: 'healthy' });
  });

  it('skips a port held by a UDP socket when handing ports out', async () => {
    const { client } = await healthDaemon();
    const port = await testPort();
    const server = startServer(port, '--udp');
    await server.listening;
    await expect(client.allocate({ service: 'udp-held', pid: null, range: { start: port, end: port } })).rejects.toMatchObject({ code: 'E_NO_FREE_PORT' });
    await expect(client.allocate({ service: 'udp-held', pid: null, port })).rejects.toMatchObject({ code: 'E_CONFLICT' });
  });
});

