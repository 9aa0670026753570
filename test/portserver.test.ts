import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Daemon } from '../src/daemon/daemon.js';
import { createSilentLogger } from '../src/daemon/logger.js';
import { startDaemon } from '../src/daemon/daemon.js';
import { cliEnv, pathsIn, startTestDaemon, testConfig, waitFor } from './helpers/daemon.js';
import { freeBlock, spawnTracked, startSleeper, zombiePid } from './helpers/processes.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * The portserver socket of a real daemon, spoken to by the real client (Debian's
 * python3-portpicker, as in shared/design/portserver-protocol.md) and by raw sockets playing
 * the request table of that document.
 */
const PYTHON = '/usr/bin/python3';
const portpickerMissing = (() => {
  const probe = spawnSync(PYTHON, ['-c', 'import portpicker'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot run (${probe.error.message})`;
  return probe.status === 0 ? null : `python3-portpicker is not importable (${probe.stderr.trim().split('\n').at(-1)}); install it with apt-get install -y python3-portpicker`;
})();
if (portpickerMissing) console.warn(`test/portserver.test.ts: skipping the portpicker client tests: ${portpickerMissing}`);

const TEST_RANGE = { start: 15000, end: 24999 };

async function portserverDaemon(overrides: { portserver?: Record<string, unknown>; health_monitoring?: Record<string, unknown> } = {}) {
  const dir = useTempDir();
  const portserverSocket = join(dir, 'ps', 'portserver.sock');
  const daemon = await startTestDaemon(dir, {
    ...overrides,
    portserver: { socket: portserverSocket, timeout_ms: 500, ...overrides.portserver },
  });
  return { dir, daemon, portserverSocket };
}

interface Exchange {
  reply: string;
  ms: number;
  error?: string;
}

/** A raw client: write each piece (pausing between them), optionally shut down, read until the server closes. */
function exchange(path: string, pieces: string[], options: { shutdown?: boolean; pauseMs?: number } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(path);
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ reply: Buffer.concat(chunks).toString('latin1'), ms: Date.now() - started, ...(error ? { error } : {}) }));
    const play = async (): Promise<void> => {
      for (const [index, piece] of pieces.entries()) {
        if (index > 0 && options.pauseMs) await new Promise((wake) => setTimeout(wake, options.pauseMs));
        socket.write(Buffer.from(piece, 'latin1'));
      }
      if (options.shutdown) socket.end();
    };
    // A piece that throws ends the exchange with its error, as a socket error would.
    socket.once('connect', () => {
      play().catch((e: unknown) => socket.destroy(e as Error));
    });
  });
}

const portOf = (reply: string): number => {
  expect(reply).toMatch(/^\d{1,5}\n$/);
  return Number(reply.trim());
};

/** Run Python with PORTSERVER_ADDRESS set; killed when the test ends. */
function python(script: string, portserverSocket: string): ChildProcess {
  const child = spawn(PYTHON, ['-c', script], { env: { ...process.env, PORTSERVER_ADDRESS: portserverSocket }, stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** The child's stdout and stderr once it has printed its first line (or exited). */
function firstLine(child: ChildProcess, timeoutMs = 10_000): Promise<{ line: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no output from python within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve({ line: out.split('\n')[0] ?? '', stderr: err });
    };
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) done();
    });
    child.on('exit', () => setImmediate(done));
  });
}

/** Prints "<pid> <port> …" for `count` ports, then stays alive. */
const holdPorts = (count: number) =>
  `import os, sys, time, portpicker\nports = [portpicker.pick_unused_port() for _ in range(${count})]\nprint(os.getpid(), *ports, flush=True)\ntime.sleep(60)`;

const portpickerOf = (daemon: Daemon, pid: number) =>
  [...daemon.store.allocations.values()].filter((a) => a.service === 'portpicker' && a.pid === pid).map((a) => a.port);

describe.skipIf(portpickerMissing !== null)('portserver socket: the real portpicker client', () => {
  it('answers portpicker.pick_unused_port() from the test range, recorded for the python process and shown by `ports status`', async () => {
    const { dir, daemon, portserverSocket } = await portserverDaemon();
    const child = python('import portpicker; print(portpicker.pick_unused_port())', portserverSocket);
    const { line, stderr } = await firstLine(child);
    expect(stderr).toBe('');
    const port = Number(line);
    expect(port).toBeGreaterThanOrEqual(TEST_RANGE.start);
    expect(port).toBeLessThanOrEqual(TEST_RANGE.end);
    expect(daemon.store.allocations.get(port)).toMatchObject({
      service: 'portpicker',
      type: 'test',
      pid: child.pid,
      pidStartTime: expect.any(Number),
      listenCheck: false,
      command: expect.stringContaining('python3'),
    });
    const status = await runCli(['status'], cliEnv(dir));
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^${port}\\s+portpicker\\s+${child.pid}\\b`, 'm'));
    expect(await daemon.core.metrics.text()).toMatch(/ports_portserver_requests_total\{result="allocated"\} 1\b/);
  });

  it('gives one process a different port for each request', async () => {
    const { daemon, portserverSocket } = await portserverDaemon();
    const { line } = await firstLine(python(holdPorts(3), portserverSocket));
    const [pid, ...ports] = line.split(' ').map(Number);
    expect(new Set(ports).size).toBe(3);
    expect(portpickerOf(daemon, pid ?? 0).sort()).toEqual([...ports].sort());
  });

  it('allocates on behalf of another process with pick_unused_port(pid=…)', async () => {
    const { daemon, portserverSocket } = await portserverDaemon();
    const sleeper = await startSleeper();
    const { line } = await firstLine(python(`import portpicker; print(portpicker.pick_unused_port(pid=${sleeper.pid}))`, portserverSocket));
    expect(daemon.store.allocations.get(Number(line))).toMatchObject({ service: 'portpicker', pid: sleeper.pid });
  });

  it('reclaims the ports of a python process once it dies', async () => {
    const { daemon, portserverSocket } = await portserverDaemon({ health_monitoring: { check_interval_ms: 100, max_failures: 2 } });
    const child = python(holdPorts(2), portserverSocket);
    const { line } = await firstLine(child);
    const [pid, ...ports] = line.split(' ').map(Number);
    expect(portpickerOf(daemon, pid ?? 0)).toHaveLength(2);
    child.kill('SIGKILL');
    // The history records a reclaim once it is durable, just after the allocation leaves memory.
    const releasedOf = () => daemon.core.history.list(Date.now()).filter((r) => ports.includes(r.allocation.port));
    await waitFor(() => releasedOf().length === 2, 'the reclaim');
    const released = releasedOf();
    expect(released.map((r) => r.reason)).toEqual(['process_dead', 'process_dead']);
  });

  it('refuses once its pool is used up, and portpicker then falls back on its own', async () => {
    const pool = await freeBlock(1, 24900);
    const { daemon, portserverSocket } = await portserverDaemon({ portserver: { range: { start: pool, end: pool } } });
    const { line, stderr } = await firstLine(python(holdPorts(2), portserverSocket));
    const [pid, first, second] = line.split(' ').map(Number);
    expect(first).toBe(pool);
    // The client's silent fallback: a port of its own choosing, and one line on stderr.
    expect(second).not.toBe(pool);
    expect(stderr).toContain('Portserver failed to find a port.');
    expect(portpickerOf(daemon, pid ?? 0)).toEqual([pool]);
    expect(await daemon.core.metrics.text()).toMatch(/ports_portserver_requests_total\{result="exhausted"\} 1\b/);
  });
});

describe('portserver socket: the request table of portserver-protocol.md', () => {
  it.each([
    ['the pid and a newline', (pid: number) => [`${pid}\n`], {}],
    ['the pid, then SHUT_WR with no newline', (pid: number) => [`${pid}`], { shutdown: true }],
    ['surrounding spaces and CRLF', (pid: number) => [`  ${pid} \r\n`], {}],
    ['a plus sign', (pid: number) => [`+${pid}\n`], {}],
    ['an underscore', (pid: number) => [`${String(pid).slice(0, 1)}_${String(pid).slice(1)}\n`], {}],
    ['the pid in two writes 200 ms apart (the reference acts on the first piece)', (pid: number) => [String(pid).slice(0, 2), `${String(pid).slice(2)}\n`], { pauseMs: 200 }],
  ])('answers %s with a port for that pid', async (_what, pieces, options) => {
    const { daemon, portserverSocket } = await portserverDaemon();
    const sleeper = await startSleeper();
    const pid = sleeper.pid ?? 0;
    const { reply } = await exchange(portserverSocket, pieces(pid), options);
    const port = portOf(reply);
    expect(daemon.store.allocations.get(port)).toMatchObject({ service: 'portpicker', pid, listenCheck: false });
  });

  it('refuses, closing at once without a reply, everything the reference refuses or hangs on', async () => {
    const { daemon, portserverSocket } = await portserverDaemon();
    const gone = spawnSync('/bin/true').pid ?? 0;
    const cases = [
      `${process.pid}\n${process.pid}\n`,
      'abc\n',
      '',
      `${'1'.repeat(20)}\n`,
      '0\n',
      '1\n',
      `${gone}\n`,
      // The reference never closes these (an uncaught exception in its handler).
      '-5\n',
      '2147483648\n',
      '9999999999999999999\n',
    ];
    for (const request of cases) {
      const result = await exchange(portserverSocket, [request], { shutdown: request === '' });
      expect({ request, reply: result.reply }).toEqual({ request, reply: '' });
      // Closed by the refusal, not by the 500 ms deadline.
      expect(result.ms).toBeLessThan(400);
    }
    expect(daemon.store.allocations.size).toBe(0);
    const metrics = await daemon.core.metrics.text();
    expect(metrics).toMatch(/ports_portserver_requests_total\{result="invalid"\} 4\b/);
    expect(metrics).toMatch(/ports_portserver_requests_total\{result="refused"\} 6\b/);
  });

  it('refuses a thread id, a zombie and a kernel thread', async () => {
    const { daemon, portserverSocket } = await portserverDaemon();
    // A thread of this process: kill(tid, 0) succeeds, but it is not a thread group leader.
    const before = new Set(readdirSync('/proc/self/task'));
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    onTestFinished(async () => void (await worker.terminate()));
    await new Promise((resolve) => worker.once('online', resolve));
    const tid = Number(readdirSync('/proc/self/task').find((id) => !before.has(id)));
    expect(readFileSync(`/proc/${tid}/status`, 'utf8')).toMatch(new RegExp(`^Tgid:\\s*${process.pid}$`, 'm'));
    // sh starts `sleep 0` in the background, then becomes `sleep 30`, which never reaps it.
    const zombie = await zombiePid();
    const kernelThread = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .find((name) => {
        try {
          const fields = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
          return (Number(fields[6]) & 0x00200000) !== 0;
        } catch {
          return false;
        }
      });
    for (const pid of [tid, zombie, ...(kernelThread ? [Number(kernelThread)] : [])]) {
      expect({ pid, reply: (await exchange(portserverSocket, [`${pid}\n`])).reply }).toEqual({ pid, reply: '' });
    }
    expect(daemon.store.allocations.size).toBe(0);
  });

  it('closes a connection that never sends a request after portserver.timeout_ms', async () => {
    const { daemon, portserverSocket } = await portserverDaemon({ portserver: { timeout_ms: 300 } });
    const result = await exchange(portserverSocket, []);
    expect(result.reply).toBe('');
    expect(result.ms).toBeGreaterThanOrEqual(250);
    expect(result.ms).toBeLessThan(2000);
    expect(await daemon.core.metrics.text()).toMatch(/ports_portserver_requests_total\{result="timeout"\} 1\b/);
  });
});

describe('portserver socket: lifecycle', () => {
  it('makes the socket 0600 in a 0700 folder, and removes it when the daemon stops', async () => {
    const { daemon, portserverSocket } = await portserverDaemon();
    expect(statSync(portserverSocket).mode & 0o777).toBe(0o600);
    expect(statSync(join(portserverSocket, '..')).mode & 0o777).toBe(0o700);
    await daemon.close('test');
    expect(() => statSync(portserverSocket)).toThrow(/ENOENT/);
  });

  it('replaces a stale socket file left by a killed daemon', async () => {
    const dir = useTempDir();
    const portserverSocket = join(dir, 'ps', 'portserver.sock');
    // A socket file nobody answers on: a server in a child process killed before it could unlink.
    const child = spawnTracked(process.execPath, [
      '-e',
      `require('node:fs').mkdirSync(${JSON.stringify(join(dir, 'ps'))}, { mode: 0o700 }); require('node:net').createServer().listen(${JSON.stringify(portserverSocket)}, () => console.log('ready'))`,
    ]);
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(statSync(portserverSocket).isSocket()).toBe(true);
    await startTestDaemon(dir, { portserver: { socket: portserverSocket } });
    expect(portOf((await exchange(portserverSocket, [`${process.pid}\n`])).reply)).toBeGreaterThan(0);
  });

  it('refuses to start when something answers on the portserver socket, leaving nothing behind', async () => {
    const dir = useTempDir();
    const portserverSocket = join(dir, 'ps', 'portserver.sock');
    const squatter = createServer();
    mkdirSync(join(dir, 'ps'), { mode: 0o700 });
    await new Promise<void>((resolve) => squatter.listen(portserverSocket, resolve));
    onTestFinished(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    const paths = pathsIn(dir);
    const start = () =>
      startDaemon({
        config: testConfig({ portserver: { socket: portserverSocket } }),
        ...paths,
        foreground: false,
        logger: createSilentLogger(),
      });
    await expect(start()).rejects.toMatchObject({ code: 'E_ALREADY_RUNNING' });
    // The main socket is gone and the lock free: a daemon without the portserver starts at once.
    expect(() => statSync(paths.socketPath)).toThrow(/ENOENT/);
    await startTestDaemon(dir);
  });

  it('refuses a portserver socket path over 107 bytes', async () => {
    const dir = useTempDir();
    await expect(startTestDaemon(dir, { portserver: { socket: join(dir, 'x'.repeat(120)) } })).rejects.toMatchObject({ code: 'E_PATH' });
  });
});
