import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BIN, cliEnv, pathsIn, waitFor, waitForExit } from './helpers/daemon.js';
import { SERVER_FIXTURE, startServer, testPort } from './helpers/processes.js';
import { runCli, stopDaemonWhenDone } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';
import { processExists } from '../src/system/proc-stat.js';

/** A CLI home whose daemon (autostarted) checks health fast; stopped when the test ends. */
function fastHome(health: Record<string, unknown> = {}) {
  const dir = useTempDir();
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ health_monitoring: { check_interval_ms: 200, max_failures: 2, startup_grace_ms: 1500, ...health } }));
  const env = cliEnv(dir, { PORTS_CONFIG: config });
  delete env['CI'];
  delete env['GITHUB_RUN_ID'];
  stopDaemonWhenDone(dir, env);
  const run = (...args: string[]) => runCli(args, env);
  const status = async () => JSON.parse((await run('status', '--json')).stdout) as { allocations: Array<{ port: number; service: string; pid: number | null; owner: string | null }> };
  return { dir, env, run, status };
}

/** `ports run` as a background process with its output collected. */
function startRun(env: NodeJS.ProcessEnv, args: string[]) {
  const child = spawn(process.execPath, [BIN, 'run', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, exited, output: () => stdout };
}

/** A listener of this test process on the first free port of `ports`. */
async function listenUnrelated(...ports: number[]) {
  for (const port of ports) {
    const server = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!ok) continue;
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return server;
  }
  throw new Error(`none of ${ports.join(', ')} is free`);
}

describe('ports run', () => {
  it('runs the command with PORT, keeps the allocation while it runs, releases after, passes the exit code', async () => {
    const { env, status } = fastHome();
    const wrapped = startRun(env, ['--service', 'web', '--', process.execPath, SERVER_FIXTURE, '{port}', '--delay', '0']);
    await waitFor(() => wrapped.output().includes('listening'), 'the server to listen');
    const during = await status();
    expect(during.allocations).toHaveLength(1);
    const [allocation] = during.allocations;
    expect(allocation).toMatchObject({ service: 'web' });
    // The dev range; which port depends on what else listens on this host.
    expect(allocation?.port).toBeGreaterThanOrEqual(3000);
    expect(allocation?.port).toBeLessThanOrEqual(3099);
    // Owned by the command, not the wrapper.
    expect(allocation?.pid).not.toBe(wrapped.child.pid);

    const exitCode = runCli(['run', '--service', 'quitter', '--', process.execPath, '-e', 'process.exit(process.env.PORT ? 42 : 1)'], env);
    expect((await exitCode).code).toBe(42);

    wrapped.child.kill('SIGINT');
    expect(await wrapped.exited).toBe(130);
    expect((await status()).allocations).toEqual([]);
  });

  it('still gives the port back when the wrapper is SIGKILLed: its guard stops the command, the daemon reclaims', async () => {
    const { env, status } = fastHome();
    const wrapped = startRun(env, ['--service', 'orphan', '--', process.execPath, SERVER_FIXTURE, '{port}', '--delay', '0']);
    await waitFor(() => wrapped.output().includes('listening'), 'the server to listen');
    const [allocation] = (await status()).allocations;
    const commandPid = allocation?.pid ?? 0;
    expect(commandPid).toBeGreaterThan(0);
    expect(commandPid).not.toBe(wrapped.child.pid);
    wrapped.child.kill('SIGKILL');
    await wrapped.exited;
    // Nothing outlives the wrapper: the command goes too, and its port comes back.
    await waitForExit(commandPid);
    await waitFor(async () => (await status()).allocations.length === 0, 'the port to come back', 10_000);
  });

  it('does not start a daemon only to release its port when the daemon went away meanwhile', async () => {
    const { dir, env, run, status } = fastHome();
    const wrapped = startRun(env, ['--service', 'brief', '--no-listen-check', '--', process.execPath, '-e', 'setTimeout(() => process.exit(3), 1500)']);
    await waitFor(async () => (await status()).allocations.length === 1, 'the allocation');
    const pid = (JSON.parse(readFileSync(`${pathsIn(dir).stateDir}/daemon.pid`, 'utf8')) as { pid: number }).pid;
    expect((await run('daemon', 'stop')).code).toBe(0);
    await waitForExit(pid);
    expect(await wrapped.exited).toBe(3);
    expect(wrapped.output()).not.toContain('could not release');
    // Nothing answers: the wrapper's release did not autostart a new daemon.
    expect((await run('daemon', 'status')).code).toBe(3);
  });

  it('gives two concurrent runs of one service different ports, and a re-run the sticky port', async () => {
    const { env, status } = fastHome();
    const a = startRun(env, ['--service', 'api', '--type', 'api', '--', process.execPath, SERVER_FIXTURE, '{port}', '--delay', '0']);
    const b = startRun(env, ['--service', 'api', '--type', 'api', '--', process.execPath, SERVER_FIXTURE, '{port}', '--delay', '0']);
    await waitFor(() => a.output().includes('listening') && b.output().includes('listening'), 'both servers');
    const ports = (await status()).allocations.map((x) => x.port).sort();
    expect(ports).toHaveLength(2);
    expect(new Set(ports).size).toBe(2);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(143);
    await b.exited;
    const again = await runCli(['run', '--service', 'api', '--type', 'api', '--', process.execPath, '-e', 'console.log(process.env.PORT)'], env);
    expect(ports).toContain(Number(again.stdout.trim()));
  });

  it('sets --env-name and reports a missing command with exit 127', async () => {
    const { run } = fastHome();
    const named = await run('run', '--service', 'vite', '--env-name', 'VITE_PORT', '--', process.execPath, '-e', 'console.log(process.env.VITE_PORT === process.env.PORT)');
    expect(named.stdout.trim()).toBe('true');
    const missing = await run('run', '--', 'no-such-command-xyz');
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('command not found');
  });
});

describe('cleanup, leases and lookups', () => {
  it('cleanup --owner releases only that owner’s allocations', async () => {
    const { run, status } = fastHome();
    await run('allocate', 'a', '--no-pid', '--owner', 'job-1');
    await run('allocate', 'b', '--no-pid', '--owner', 'job-1');
    await run('allocate', 'c', '--no-pid', '--owner', 'job-2');
    const dry = JSON.parse((await run('cleanup', '--owner', 'job-1', '--dry-run', '--json')).stdout);
    expect(dry.entries.map((e: { action: string }) => e.action)).toEqual(['would_release', 'would_release']);
    expect((await status()).allocations).toHaveLength(3);
    const done = await run('cleanup', '--owner', 'job-1');
    expect(done.code).toBe(0);
    expect((await status()).allocations.map((a) => a.service)).toEqual(['c']);
  });

  it('cleanup --kill stops the owner’s leaked listener on P and leaves a listener on P·10+k alone', async () => {
    const { env, run, status } = fastHome();
    const leaked = startRun(env, ['--owner', 'job-9', '--service', 'leak', '--', process.execPath, SERVER_FIXTURE, '{port}', '--delay', '0']);
    await waitFor(() => leaked.output().includes('listening'), 'the leaked server');
    const [allocation] = (await status()).allocations;
    const port = allocation?.port ?? 0;
    // A listener on a port whose digits start with the leaked one (3002 → 30021).
    const unrelated = await listenUnrelated(...Array.from({ length: 9 }, (_, i) => port * 10 + i + 1).filter((p) => p <= 65535));
    const result = JSON.parse((await run('cleanup', '--owner', 'job-9', '--kill', '--timeout', '5s', '--json')).stdout);
    expect(result.entries).toHaveLength(1);
    expect(result.entries[0].allocation.port).toBe(port);
    expect(result.entries[0].kills).toEqual([expect.objectContaining({ signal: 'SIGTERM' })]);
    await leaked.exited;
    expect(unrelated.listening).toBe(true);
    expect((await status()).allocations).toEqual([]);
    // Asking about a free port again is quiet success.
    const again = await run('cleanup', '--owner', 'job-9', '--kill');
    expect(again.code).toBe(0);
  });

  it('cleanup --kill leaves a listener alone that is not the owner’s, unless --force', async () => {
    const { run, status } = fastHome();
    const taken = Number((await run('allocate', 'taken', '--no-pid', '--owner', 'job-3')).stdout);
    const stranger = startServer(taken, '--delay', '0');
    await stranger.listening;
    const polite = JSON.parse((await run('cleanup', '--owner', 'job-3', '--kill', '--json')).stdout);
    expect(polite.entries[0].kills).toEqual([expect.objectContaining({ pid: stranger.pid, signal: null, skipped: expect.stringContaining('--force') })]);
    expect(processExists(stranger.pid)).toBe(true);
    expect((await status()).allocations).toEqual([]);

    const held = Number((await run('allocate', 'taken', '--no-pid', '--owner', 'job-4')).stdout);
    const other = startServer(held, '--delay', '0');
    await other.listening;
    const forced = JSON.parse((await run('cleanup', '--owner', 'job-4', '--kill', '--force', '--json')).stdout);
    expect(forced.entries[0].kills).toEqual([expect.objectContaining({ pid: other.pid, signal: 'SIGTERM' })]);
    await waitForExit(other.pid);
  });

  it('sweeps dead owners and expired leases at once, and renews leases', async () => {
    // A monitor that would only run long after the test, so the sweep is what releases.
    const { run, status } = fastHome({ check_interval_ms: 600_000 });
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    onTestFinished(() => void sleeper.kill('SIGKILL'));
    await run('allocate', 'dead', '--pid', String(sleeper.pid), '--no-listen-check');
    await run('allocate', 'leased', '--no-pid', '--ttl', '60s');
    sleeper.kill('SIGKILL');
    await waitForExit(sleeper.pid ?? 0);
    const swept = JSON.parse((await run('cleanup', '--json')).stdout);
    expect(swept.entries).toEqual([expect.objectContaining({ reason: 'process_dead', allocation: expect.objectContaining({ service: 'dead' }) })]);

    const renewed = JSON.parse((await run('renew', '--service', 'leased', '--ttl', '1s', '--json')).stdout);
    expect(Date.parse(renewed.renewed[0].expiresAt) - Date.now()).toBeLessThan(1500);
    expect((await status()).allocations.map((a) => a.service)).toEqual(['leased']);
    const expiresAt = Date.parse(renewed.renewed[0].expiresAt);
    await waitFor(() => Date.now() > expiresAt, 'the renewed 1 s lease to pass its expiry', 5_000);
    const expired = JSON.parse((await run('cleanup', '--json')).stdout);
    expect(expired.entries).toEqual([expect.objectContaining({ reason: 'expired', allocation: expect.objectContaining({ service: 'leased' }) })]);
    expect((await status()).allocations).toEqual([]);
    const events = (await run('events')).stdout;
    expect(events).toMatch(/allocation\.reclaimed port=\d+ service=leased reason=expired/);
  });

  it('reclaims an expired lease without a sweep (the HealthMonitor)', async () => {
    const { run, status } = fastHome();
    await run('allocate', 'leased', '--no-pid', '--ttl', '1s');
    await waitFor(async () => (await status()).allocations.length === 0, 'the lease to expire', 10_000);
    expect((await run('events')).stdout).toMatch(/allocation\.reclaimed port=\d+ service=leased reason=expired/);
  });

  it('who, wait, get and env', async () => {
    const { env, run } = fastHome();
    const wrapped = startRun(env, ['--service', 'web-app', '--', process.execPath, SERVER_FIXTURE, '{port}', '--delay', '500']);
    const waited = await run('wait', 'web-app', '--timeout', '10s');
    expect(waited.code).toBe(0);
    const port = Number((await run('get', 'web-app')).stdout.trim());
    expect(port).toBeGreaterThanOrEqual(3000);
    expect(port).toBeLessThanOrEqual(3099);
    expect((await run('env')).stdout).toBe(`WEB_APP_PORT=${port}\n`);
    const who = JSON.parse((await run('who', String(port), '--json')).stdout);
    expect(who.allocation).toMatchObject({ service: 'web-app' });
    expect(who.listeners).toEqual([expect.objectContaining({ pid: who.allocation.pid, command: expect.stringContaining('server.mjs') })]);
    expect((await run('get', 'nothing-here')).code).toBe(5);
    const silent = await testPort();
    const timedOut = await run('wait', String(silent), '--timeout', '300ms');
    expect(timedOut.code).toBe(7);
    expect(timedOut.stderr).toContain(`port ${silent} to listen on 127.0.0.1 or ::1`);
    wrapped.child.kill('SIGTERM');
    await wrapped.exited;
  });
});
