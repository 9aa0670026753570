import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliEnv, pathsIn, startTestDaemon, waitFor, waitForExit } from '../../test/helpers/daemon.js';
import { scriptedDaemon } from '../../test/helpers/scripted-daemon.js';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import { PACKAGE_VERSION, PROTOCOL_VERSION } from '../version.js';
import { connectClient, type PortsClient } from './client.js';
import { autostartAllowed, type ConnectOptions } from './connect.js';

describe('autostartAllowed (PORTS_NO_AUTOSTART)', () => {
  it('is on when the variable is unset', () => {
    expect(autostartAllowed({})).toBe(true);
  });

  it.each(['', '0', 'false', 'FALSE', 'no', 'No', 'off', ' off '])('stays on for %j', (value) => {
    expect(autostartAllowed({ PORTS_NO_AUTOSTART: value })).toBe(true);
  });

  it.each(['1', 'true', 'TRUE', 'True', 'yes', 'YES', 'on', 'On', ' 1 ', 'y', 'disable'])('is off for %j', (value) => {
    expect(autostartAllowed({ PORTS_NO_AUTOSTART: value })).toBe(false);
  });
});

/**
 * connectClient against a real in-process daemon, a scripted one (a real Unix socket whose replies
 * the test writes), and the real autostart, which spawns bin/ports (run `npm run build` first).
 */
const refusal = (connections: number) =>
  `${JSON.stringify({ id: null, ok: false, error: { code: 'E_LIMIT', message: 'full', details: { reason: 'full', maxConnections: connections, connections } } })}\n`;

/**
 * A private home: its socket path, and an env that keeps a daemon started from it inside the temp
 * folder. When the test ends, a daemon that autostart left running is stopped, then the folder
 * removed (in one hook, so the pid file is still there to read).
 */
function home(extra: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pk-'));
  const { socketPath, stateDir } = pathsIn(dir);
  onTestFinished(async () => {
    await stopSpawnedDaemon(join(stateDir, 'daemon.pid'));
    rmSync(dir, { recursive: true, force: true });
  });
  const socketDir = dirname(socketPath);
  return { dir, socketPath, socketDir, env: cliEnv(dir, extra), spawnedDaemon: () => existsSync(join(socketDir, 'autostart.log')) };
}

async function stopSpawnedDaemon(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = (JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number }).pid;
  } catch {
    return;
  }
  // An in-process test daemon writes this process's pid: startTestDaemon closes that one.
  if (pid === process.pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  await waitForExit(pid);
}

/** The one place that calls connectClient; the client is destroyed when the test ends. */
async function connect(options: ConnectOptions): Promise<PortsClient> {
  const client = await connectClient(options);
  onTestFinished(() => client.destroy());
  return client;
}

describe('connectClient: a daemon that answers', () => {
  it('connects and says hello, and the client works', async () => {
    const { dir, socketPath, env } = home();
    const daemon = await startTestDaemon(dir);
    const client = await connect({ socketPath, env, autostart: false });
    expect(client.daemon).toMatchObject({ protocol: PROTOCOL_VERSION, pid: process.pid, socket: daemon.socketPath });
    expect((await client.status({ summary: true })).summary.total).toBe(0);
  });

  it('finds the socket through PORTS_SOCKET of the env it is given', async () => {
    const { dir, socketPath } = home();
    await startTestDaemon(dir);
    const client = await connect({ env: { PORTS_SOCKET: socketPath, PORTS_NO_AUTOSTART: '1' } });
    expect(client.daemon?.socket).toBe(socketPath);
  });

  it.each([
    ['the name it is given', { clientName: 'my-tool/2.0' }, 'my-tool/2.0'],
    ['portkeeper and its version by default', {}, `portkeeper/${PACKAGE_VERSION}`],
  ])('says hello with %s', async (_what, options, client) => {
    const daemon = await scriptedDaemon();
    const connecting = connect({ socketPath: daemon.path, autostart: false, ...options });
    const peer = await daemon.peer();
    await waitFor(() => peer.lines.length === 1, 'the hello');
    const hello = JSON.parse(peer.lines[0] ?? '') as { id: number };
    expect(hello).toEqual({ id: hello.id, op: 'hello', params: { protocol: PROTOCOL_VERSION, client } });
    peer.send(`${JSON.stringify({ id: hello.id, ok: true, result: { protocol: PROTOCOL_VERSION, pid: 4242 } })}\n`);
    expect((await connecting).daemon).toMatchObject({ pid: 4242 });
  });

  it('throws the error of a refused hello and closes the connection, without autostart', async () => {
    const { socketPath, env, spawnedDaemon } = home();
    mkdirSync(dirname(socketPath), { mode: 0o700 });
    const daemon = await scriptedDaemon({ path: socketPath });
    const connecting = connectClient({ socketPath, env });
    const peer = await daemon.peer();
    await waitFor(() => peer.lines.length === 1, 'the hello');
    const { id } = JSON.parse(peer.lines[0] ?? '') as { id: number };
    peer.send(`${JSON.stringify({ id, ok: false, error: { code: 'E_PROTOCOL', message: 'Protocol 1 is not spoken here' } })}\n`);
    await expect(connecting).rejects.toMatchObject({ code: 'E_PROTOCOL', message: 'Protocol 1 is not spoken here' });
    await waitFor(() => peer.log.includes('end'), 'the client to close the connection');
    expect(spawnedDaemon()).toBe(false);
  });

  it('reports a daemon that is full as full (E_DAEMON_UNREACHABLE, reason full), and starts no other', async () => {
    const { socketPath, env, spawnedDaemon } = home();
    mkdirSync(dirname(socketPath), { mode: 0o700 });
    await scriptedDaemon({ path: socketPath, onConnection: (peer) => peer.socket.end(refusal(3)) });
    await expect(connectClient({ socketPath, env })).rejects.toMatchObject({
      code: 'E_DAEMON_UNREACHABLE',
      message: expect.stringContaining(`The daemon on ${socketPath} is full (3 connections; it admits 3`),
      details: { socket: socketPath, reason: 'full', maxConnections: 3, connections: 3 },
    });
    expect(spawnedDaemon()).toBe(false);
  });
});

describe('connectClient: no daemon, autostart off', () => {
  it.each([
    ['autostart: false', { autostart: false }, {}],
    ['PORTS_NO_AUTOSTART=1 in the env given', {}, { PORTS_NO_AUTOSTART: '1' }],
  ])('throws E_DAEMON_UNREACHABLE and starts nothing with %s', async (_what, options, extra) => {
    const { socketPath, env, socketDir } = home(extra);
    await expect(connectClient({ socketPath, env, ...options })).rejects.toMatchObject({
      code: 'E_DAEMON_UNREACHABLE',
      message: `No daemon is running on ${socketPath} (ENOENT)`,
    });
    expect(existsSync(socketDir)).toBe(false);
  });
});

describe('connectClient: autostart', () => {
  it('starts the daemon in the background, waits for it and connects, even with PORTS_NO_AUTOSTART set when told to', async () => {
    const { socketPath, socketDir, env } = home({ PORTS_NO_AUTOSTART: '1' });
    const client = await connect({ socketPath, env, autostart: true });
    expect(client.daemon).toMatchObject({ socket: socketPath });
    expect(client.daemon?.pid).not.toBe(process.pid);
    expect((await client.status({ summary: true })).summary.total).toBe(0);
    expect(existsSync(join(socketDir, 'autostart.lock'))).toBe(false);
  });

  it('says why the daemon failed to start, from what it printed, soon after it exits, and releases the start lock', async () => {
    const config = join(useTempDir(), 'bad.json');
    writeFileSync(config, JSON.stringify({ health_monitoring: { check_interval_ms: 'soon' } }));
    const { socketPath, socketDir, env } = home({ PORTS_CONFIG: config });
    const started = Date.now();
    const error = await connectClient({ socketPath, env, startTimeoutMs: 25_000 }).catch((caught: unknown) => caught);
    // About a second after the exit (in case it lost a start race), not at startTimeoutMs.
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(error).toMatchObject({
      code: 'E_DAEMON_UNREACHABLE',
      message: expect.stringMatching(/^The daemon failed to start: Invalid configuration .*\n\s*health_monitoring\.check_interval_ms: /),
      details: { socket: socketPath, exitCode: 1 },
    });
    expect(existsSync(join(socketDir, 'autostart.lock'))).toBe(false);
  });

  it('waits for the daemon another client is starting (its start lock is fresh) instead of starting one', async () => {
    const { dir, socketPath, socketDir, env, spawnedDaemon } = home();
    mkdirSync(socketDir, { mode: 0o700 });
    writeFileSync(join(socketDir, 'autostart.lock'), '1');
    const connecting = connect({ socketPath, env });
    // The other client's daemon comes up a little later.
    await startTestDaemon(dir);
    expect((await connecting).daemon).toMatchObject({ pid: process.pid, socket: socketPath });
    expect(spawnedDaemon()).toBe(false);
    expect(existsSync(join(socketDir, 'autostart.lock')), "the other client's lock is not ours to remove").toBe(true);
  });

  it('gives up after startTimeoutMs when the daemon another client is starting never answers', async () => {
    const { socketPath, socketDir, env, spawnedDaemon } = home();
    mkdirSync(socketDir, { mode: 0o700 });
    writeFileSync(join(socketDir, 'autostart.lock'), '1');
    const started = Date.now();
    await expect(connectClient({ socketPath, env, startTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'E_DAEMON_UNREACHABLE',
      message: expect.stringContaining(`Started the daemon but it did not answer on ${socketPath} within 300 ms`),
      details: { socket: socketPath },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(spawnedDaemon()).toBe(false);
  });
});
