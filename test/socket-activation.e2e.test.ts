import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BIN, cliEnv, pathsIn, waitFor, waitForDaemon, waitForExit } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * The daemon started the way systemd starts a socket-activated service: a parent binds and
 * listens on the socket, the daemon gets it as fd 3 with LISTEN_PID/LISTEN_FDS, and the CLI
 * (autostart off) talks to it. The launcher (test/fixtures/socket-activate.py) needs only
 * python3; systemd's own systemd-socket-activate is used too where it is installed.
 */
const LAUNCHER = fileURLToPath(new URL('./fixtures/socket-activate.py', import.meta.url));
const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((path) => existsSync(path));
const SOCKET_ACTIVATE = '/usr/bin/systemd-socket-activate';

interface Launched {
  launcher: ChildProcess;
  /** The first daemon's pid (the launcher's child). */
  pid: number;
  /** Resolves with the first daemon's exit code. */
  exited: Promise<number>;
  /** The pids of every daemon started so far (more than one with --respawn). */
  started: () => number[];
  /** Resolves with the exit code of the `n`th daemon (from 1). */
  exit: (n: number) => Promise<number>;
  stderr: () => string;
}

const all = (text: string, pattern: RegExp): number[] => [...text.matchAll(pattern)].map((match) => Number(match[1]));

/** Run `ports daemon --foreground` under the launcher with `socket` on fd 3; all are killed when the test ends. */
async function launch(socket: string, env: NodeJS.ProcessEnv, flags: string[] = []): Promise<Launched> {
  const launcher = spawn(PYTHON as string, [LAUNCHER, ...flags, socket, process.execPath, BIN, 'daemon', '--foreground', '--log-format', 'json'], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  launcher.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  launcher.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const started = () => all(stdout, /ready (\d+)/g);
  onTestFinished(() => {
    if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
    for (const pid of started()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
  await waitFor(() => started().length > 0 || launcher.exitCode !== null, 'the launcher to start the daemon');
  const pid = started()[0];
  if (pid === undefined) throw new Error(`the launcher failed: ${stderr}`);
  const exit = async (n: number) => {
    await waitFor(() => all(stdout, /exited (-?\d+)/g).length >= n, `daemon number ${n} to exit`, 30_000);
    return all(stdout, /exited (-?\d+)/g)[n - 1] as number;
  };
  const exited = exit(1);
  exited.catch(() => undefined);
  return { launcher, pid, exited, started, exit, stderr: () => stderr };
}

function privateRunDir(dir: string): string {
  const run = join(dir, 'run');
  mkdirSync(run, { mode: 0o700 });
  return run;
}

/** Whether something listens on `path` (a connection is accepted into its queue). */
function listening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(PYTHON === undefined)('a socket-activated daemon (python3 launcher)', () => {
  it('serves the CLI on the socket it inherited, and leaves the socket to the launcher when stopped', async () => {
    const dir = useTempDir();
    privateRunDir(dir);
    const { socketPath } = pathsIn(dir);
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    const daemon = await launch(socketPath, env);

    const allocated = await runCli(['allocate', 'web', '--no-pid', '--json'], env);
    expect(allocated.code, allocated.stderr).toBe(0);
    const port = (JSON.parse(allocated.stdout) as { allocation: { port: number } }).allocation.port;
    const status = await runCli(['status', '--json'], env);
    expect((JSON.parse(status.stdout) as { allocations: Array<{ port: number; service: string }> }).allocations).toEqual([expect.objectContaining({ port, service: 'web' })]);
    const info = JSON.parse((await runCli(['daemon', 'status', '--json'], env)).stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ running: true, pid: daemon.pid, socket: socketPath, socketActivated: true });
    expect((await runCli(['daemon', 'status'], env)).stdout).toContain(`socket: ${socketPath} (socket-activated: systemd holds it)`);

    const stopped = await runCli(['daemon', 'stop'], env);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(await daemon.exited).toBe(0);
    // Not unlinked, and still listening in the launcher's hands (the next connection would start the daemon again).
    expect(lstatSync(socketPath).isSocket()).toBe(true);
    expect(await listening(socketPath)).toBe(true);
    expect(daemon.stderr()).not.toMatch(/"level":(50|60)/);
  });

  it('is started again by the next connection, with its allocations; `ports daemon restart` leaves the start to the launcher', async () => {
    const dir = useTempDir();
    privateRunDir(dir);
    const { socketPath } = pathsIn(dir);
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    const daemon = await launch(socketPath, env, ['--respawn']);
    const port = Number((await runCli(['allocate', 'db', '--no-pid'], env)).stdout.trim());
    expect((await runCli(['daemon', 'stop'], env)).code).toBe(0);
    expect(await daemon.exit(1)).toBe(0);

    const status = await runCli(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { allocations: Array<{ port: number }> }).allocations).toEqual([expect.objectContaining({ port, service: 'db' })]);
    const [, second] = daemon.started();
    expect(second).toBeGreaterThan(0);
    expect(second).not.toBe(daemon.pid);

    const restarted = await runCli(['daemon', 'restart', '--json'], env);
    expect(restarted.code, restarted.stderr).toBe(0);
    const third = daemon.started()[2];
    expect(JSON.parse(restarted.stdout)).toMatchObject({ stoppedPid: second, started: true, socketActivated: true, pid: third, socket: socketPath });
    expect(await daemon.exit(2)).toBe(0);
    expect((await runCli(['daemon', 'stop'], env)).code).toBe(0);
    expect(await daemon.exit(3)).toBe(0);
    expect(lstatSync(socketPath).isSocket()).toBe(true);
  });

  it('ignores LISTEN_PID naming another process and binds its own socket (removed again when it stops)', async () => {
    const dir = useTempDir();
    const run = privateRunDir(dir);
    const theirs = join(run, 'theirs.sock');
    const { socketPath } = pathsIn(dir);
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    const daemon = await launch(theirs, env, ['--other-pid']);
    const client = await waitForDaemon(socketPath);
    expect(client.daemon?.pid).toBe(daemon.pid);
    const info = JSON.parse((await runCli(['daemon', 'status', '--json'], env)).stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ pid: daemon.pid, socket: socketPath, socketActivated: false });
    expect((await runCli(['allocate', 'api', '--no-pid'], env)).code).toBe(0);
    expect((await runCli(['daemon', 'stop'], env)).code).toBe(0);
    expect(await daemon.exited).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
    expect(lstatSync(theirs).isSocket()).toBe(true);
    const log = readFileSync(join(pathsIn(dir).stateDir, 'daemon.log'), 'utf8');
    expect(log).toContain('socket activation variables ignored');
    expect(log).toMatch(/LISTEN_PID=\d+ names another process/);
  });

  it('serves fd 3 when given more sockets, and says it ignores the others', async () => {
    const dir = useTempDir();
    privateRunDir(dir);
    const { socketPath, stateDir } = pathsIn(dir);
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    const daemon = await launch(socketPath, env, ['--fds', '3']);
    expect((await runCli(['allocate', 'web', '--no-pid'], env)).code).toBe(0);
    expect(readFileSync(join(stateDir, 'daemon.log'), 'utf8')).toContain('the service manager passed 3 sockets; the daemon serves fd 3 and ignores the other 2');
    expect((await runCli(['daemon', 'stop'], env)).code).toBe(0);
    expect(await daemon.exited).toBe(0);
  });

  it.each([
    ['bound to another path than its socket path', ['--path', 'other.sock'], /is bound to .*other\.sock, but the daemon's socket path is .*ports\.sock/],
    ['that anyone may connect to (mode 0666)', ['--mode', '666'], /has mode 666; it must be 0600/],
    ['that is a datagram socket', ['--dgram'], /is not a stream socket/],
  ])('refuses a socket %s, and leaves it alone', async (_what, flags, message) => {
    const dir = useTempDir();
    const run = privateRunDir(dir);
    const custom = flags[0] === '--path';
    const socket = custom ? join(run, flags[1] as string) : pathsIn(dir).socketPath;
    const daemon = await launch(socket, cliEnv(dir), custom ? [] : flags);
    expect(await daemon.exited).toBe(1);
    expect(daemon.stderr()).toMatch(message);
    expect(lstatSync(socket).isSocket()).toBe(true);
    await waitForExit(daemon.pid);
  });
});

describe.skipIf(!existsSync(SOCKET_ACTIVATE))(`a daemon started by ${SOCKET_ACTIVATE}`, () => {
  it('starts on the first connection, serves it, and does not remove the socket when it stops', async () => {
    const dir = useTempDir();
    privateRunDir(dir);
    const { socketPath, stateDir } = pathsIn(dir);
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    // It passes only the variables given with -E; it execs the daemon in its own place on the first connection.
    const pass = ['PORTS_SOCKET', 'PORTS_STATE_DIR', 'XDG_CONFIG_HOME', 'HOME'].flatMap((name) => ['-E', `${name}=${env[name] ?? ''}`]);
    const child = spawn(SOCKET_ACTIVATE, ['-l', socketPath, ...pass, process.execPath, BIN, 'daemon', '--foreground', '--log-format', 'json'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    await waitFor(() => existsSync(socketPath), `${SOCKET_ACTIVATE} to listen on ${socketPath}`);
    // It makes the socket 0644; a .socket unit says SocketMode=0600.
    chmodSync(socketPath, 0o600);

    const allocated = await runCli(['allocate', 'web', '--no-pid'], env);
    expect(allocated.code, `${allocated.stderr}\n${stderr}`).toBe(0);
    const info = JSON.parse((await runCli(['daemon', 'status', '--json'], env)).stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ pid: child.pid, socketActivated: true, stateDir });
    expect((await runCli(['daemon', 'stop'], env)).code).toBe(0);
    await waitFor(() => child.exitCode !== null, 'the daemon to exit');
    expect(child.exitCode).toBe(0);
    expect(lstatSync(socketPath).isSocket()).toBe(true);
  });
});
