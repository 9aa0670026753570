/**
 * What a failing health URL leads to, with real HTTP servers on loopback: report (the default)
 * keeps the allocation and marks it, release gives it up, kill stops the listener in the owner's
 * process tree and then releases. Slow answers and recoveries are not failures.
 */
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { HealthAction } from '../src/protocol/allocation.js';
import type { AuditEvent } from '../src/protocol/events.js';
import { cliEnv, clientFor, startTestDaemon, waitFor } from './helpers/daemon.js';
import { healthDaemon as startHealthDaemon } from './helpers/health-daemon.js';
import { SERVER_FIXTURE, startServer, startSleeper, testPort } from './helpers/processes.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

const INTERVAL = 100;
const MAX_FAILURES = 2;
// Generous: a loaded CI machine can take a second to start a node process.
const GRACE = 1500;

const HEALTH = { check_interval_ms: INTERVAL, max_failures: MAX_FAILURES, startup_grace_ms: GRACE, http_timeout_ms: 300, http_slow_ms: 150, kill_timeout_ms: 500 };

const healthDaemon = (overrides: Record<string, unknown> = {}) => startHealthDaemon({ ...HEALTH, ...overrides });

type Setup = Awaited<ReturnType<typeof healthDaemon>>;

/** A server on a fresh port, allocated to `owner` (default: itself) with its /health as health URL. */
async function servedAllocation(setup: Setup, flags: string[], healthAction?: HealthAction, owner?: number) {
  const port = await testPort();
  const server = startServer(port, ...flags);
  const healthUrl = `http://127.0.0.1:${port}/health`;
  await setup.client.allocate({ port, pid: owner ?? server.pid, service: 'web', healthUrl, ...(healthAction ? { healthAction } : {}) });
  await server.listening;
  const control = async (query: string) => void (await fetch(`http://127.0.0.1:${port}/control?${query}`)).text();
  return { port, server, control };
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

describe('report, the default: a failing health URL marks the allocation, keeps it, and sees it recover', () => {
  it.each([
    ['answers 500', ['--status', '500'], 'status=200'],
    ['hangs', ['--hang'], 'status=200'],
  ])('a server that %s', async (_what, flags, recover) => {
    const setup = await healthDaemon();
    const { daemon, waitEvent, waitCycles, eventOf, metric } = setup;
    const { port, server, control } = await servedAllocation(setup, flags);

    const reported = await waitEvent('health.reported', port);
    expect(reported).toMatchObject({ reason: 'http_unhealthy', failures: MAX_FAILURES, allocation: { service: 'web', pid: server.pid } });
    expect(await metric('ports_health_actions_total{action="report"}')).toBe(1);
    // Many more failing cycles: still allocated, still reported once, nothing signalled.
    await waitCycles(MAX_FAILURES * 4);
    expect(daemon.store.allocations.get(port)?.health).toMatchObject({ status: 'unhealthy', reason: 'http_unhealthy', failures: MAX_FAILURES });
    expect(setup.events.filter((e) => e.type === 'health.reported')).toHaveLength(1);
    expect(eventOf('allocation.reclaimed', port)).toBeUndefined();
    expect(alive(server.child)).toBe(true);
    const { health } = await setup.client.status();
    expect(health).toMatchObject({ http_failure_action: 'report', failing_details: [expect.objectContaining({ port, reason: 'http_unhealthy' })] });

    await control(recover);
    await waitEvent('health.recovered', port);
    expect(daemon.store.allocations.get(port)?.health).toMatchObject({ status: 'healthy', failures: 0, reason: null });
  });

  it('a slow answer is no failure, not even under kill', async () => {
    const setup = await healthDaemon();
    const { port, server } = await servedAllocation(setup, ['--slow', '200'], 'kill');
    await setup.waitCycles(Math.ceil(GRACE / INTERVAL) + MAX_FAILURES * 3);
    expect(setup.daemon.store.allocations.get(port)?.health).toMatchObject({ status: 'slow', failures: 0 });
    expect(setup.events.filter((e) => e.type.startsWith('health.'))).toEqual([]);
    expect(alive(server.child)).toBe(true);
  });

  it('a reported server that then dies is released as process_dead', async () => {
    const setup = await healthDaemon();
    const { port, server } = await servedAllocation(setup, ['--status', '503']);
    await setup.waitEvent('health.reported', port);
    server.child.kill('SIGKILL');
    expect(await setup.waitEvent('allocation.reclaimed', port)).toMatchObject({ reason: 'process_dead' });
  });
});

describe('release: a failing health URL releases the allocation', () => {
  it('and signals nothing: the server lives on', async () => {
    const setup = await healthDaemon();
    const { port, server } = await servedAllocation(setup, ['--status', '500'], 'release');
    expect(await setup.waitEvent('allocation.reclaimed', port)).toMatchObject({ reason: 'http_unhealthy', failures: MAX_FAILURES });
    expect(setup.daemon.store.allocations.has(port)).toBe(false);
    expect(setup.eventOf('health.killing', port)).toBeUndefined();
    expect(await setup.metric('ports_health_actions_total{action="release"}')).toBe(1);
    expect(alive(server.child)).toBe(true);
  });
});

describe('kill: a failing health URL stops the listener in the owner\'s tree, then releases', () => {
  it('SIGTERMs the listening child of the owner and leaves the owner alone', async () => {
    const setup = await healthDaemon();
    const port = await testPort();
    const owner = startServer(port, '--child', '--status', '500');
    let childPid = 0;
    owner.child.stdout?.on('data', (chunk: Buffer) => {
      const match = /child (\d+)/.exec(chunk.toString());
      if (match) childPid = Number(match[1]);
    });
    await setup.client.allocate({ port, pid: owner.pid, service: 'tree', healthUrl: `http://127.0.0.1:${port}/health`, healthAction: 'kill' });
    await owner.listening;
    expect(childPid).toBeGreaterThan(0);

    const killing = await setup.waitEvent('health.killing', port);
    expect(killing).toMatchObject({ reason: 'http_unhealthy', details: { pids: [childPid] } });
    const reclaimed = await setup.waitEvent('allocation.reclaimed', port);
    expect(reclaimed).toMatchObject({
      reason: 'http_unhealthy',
      details: { action: 'kill', stopped: [expect.objectContaining({ pid: childPid, signal: 'SIGTERM', exited: true })] },
    });
    expect(setup.daemon.store.allocations.has(port)).toBe(false);
    expect(alive(owner.child)).toBe(true);
    expect(await setup.metric('ports_health_actions_total{action="kill"}')).toBe(1);
  });

  it('SIGKILLs a listener that ignores SIGTERM after kill_timeout_ms (the config default action)', async () => {
    const setup = await healthDaemon({ http_failure_action: 'kill' });
    const { port, server } = await servedAllocation(setup, ['--status', '500', '--ignore-term']);
    const started = Date.now();
    expect(await exited(server.child)).toBe('SIGKILL');
    // Not before SIGTERM's time was up.
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    const reclaimed = await setup.waitEvent('allocation.reclaimed', port);
    expect(reclaimed).toMatchObject({ details: { action: 'kill', stopped: [expect.objectContaining({ pid: server.pid, signal: 'SIGKILL', exited: true })] } });
  });

  it('under ports run: the command is stopped, ports run exits with it, and the allocation ends once', async () => {
    const dir = useTempDir();
    const daemon = await startTestDaemon(dir, { health_monitoring: HEALTH });
    const follower = await clientFor(daemon.socketPath);
    const events: AuditEvent[] = [];
    await follower.events({ follow: true, limit: 0, onEvent: (event) => events.push(event) });
    const port = await testPort();
    const url = `http://127.0.0.1:${port}/health`;
    const result = await runCli(
      ['run', '--port', String(port), '--health-url', url, '--health-action', 'kill', '--quiet', '--', process.execPath, SERVER_FIXTURE, String(port), '--delay', '0', '--status', '500'],
      cliEnv(dir, { PORTS_NO_AUTOSTART: '1' }),
      30_000,
    );
    // The command died of the SIGTERM; ports run reports it as a shell would.
    expect(result.code, result.stderr).toBe(143);
    await waitFor(() => !daemon.store.allocations.has(port), 'the allocation to end');
    const killing = events.find((e) => e.type === 'health.killing');
    expect(killing?.details?.['pids']).toEqual([expect.any(Number)]);
    await new Promise((resolve) => setTimeout(resolve, INTERVAL * 3));
    expect(events.filter((e) => (e.type === 'allocation.released' || e.type === 'allocation.reclaimed') && e.allocation?.port === port)).toHaveLength(1);
  });

  it('never signals a process outside the owner\'s tree: it only releases', async () => {
    const setup = await healthDaemon();
    const owner = await startSleeper();
    const port = await testPort();
    await setup.client.allocate({ port, pid: owner.pid ?? 0, service: 'elsewhere', healthUrl: `http://127.0.0.1:${port}/health`, healthAction: 'kill' });
    // An unrelated process serves the port (it is not the owner's child).
    const stranger = startServer(port, '--status', '500');
    await stranger.listening;
    expect(await setup.waitEvent('health.killing', port)).toMatchObject({ details: { pids: [] } });
    expect(await setup.waitEvent('allocation.reclaimed', port)).toMatchObject({ reason: 'http_unhealthy', details: { action: 'kill', stopped: [] } });
    expect(alive(stranger.child)).toBe(true);
    expect(alive(owner)).toBe(true);
  });
});

describe('asking for an action', () => {
  it('is stored with the allocation, and refused without a health URL or an owner to kill', async () => {
    const setup = await healthDaemon();
    const sleeper = await startSleeper();
    const port = await testPort();
    const { allocation } = await setup.client.allocate({ port, pid: sleeper.pid ?? 0, healthUrl: `http://127.0.0.1:${port}/`, healthAction: 'kill' });
    expect(allocation.healthAction).toBe('kill');
    await expect(setup.client.allocate({ pid: sleeper.pid ?? 0, healthAction: 'release' })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      message: expect.stringContaining('give healthUrl too'),
    });
    await expect(setup.client.allocate({ pid: null, healthUrl: `http://127.0.0.1:${port}/`, healthAction: 'kill' })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
    });
  });

  it.each([
    [['allocate', '--health-action', 'kill'], /give --health-url too/],
    [['allocate', '--health-url', 'http://127.0.0.1:1/', '--health-action', 'restart'], /Allowed choices are report, release, kill/],
    [['allocate', '--no-pid', '--health-url', 'http://127.0.0.1:1/', '--health-action', 'kill'], /--no-pid/],
  ])('the CLI refuses %j with exit 2', async (args, message) => {
    const dir = useTempDir();
    const result = await runCli(args, cliEnv(dir));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('the CLI passes it on', async () => {
    const dir = useTempDir();
    const daemon = await startTestDaemon(dir);
    const sleeper = await startSleeper();
    const port = await testPort();
    const result = await runCli(['allocate', 'api', '--port', String(port), '--pid', String(sleeper.pid), '--health-url', `http://127.0.0.1:${port}/`, '--health-action', 'release', '--json'], cliEnv(dir));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ allocation: { port, healthAction: 'release' } });
    expect(daemon.store.allocations.get(port)?.healthAction).toBe('release');
  });
});
