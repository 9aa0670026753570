import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSocket } from './helpers/sockets.js';
import type { PortsClient } from '../src/client/client.js';
import { connectSocket } from '../src/client/socket-transport.js';
import { MAX_IN_FLIGHT_PER_CONNECTION, MAX_UNREAD_REPLY_BYTES } from '../src/daemon/connection.js';
import { EVICTION_MIN_IDLE_MS } from '../src/daemon/eviction.js';
import { readFdLimit } from '../src/system/fd-limit.js';
import { BIN, cliEnv, clientFor, daemonProcess, pathsIn, ROOT, startTestDaemon, testConfig, waitFor } from './helpers/daemon.js';
import { spawnTracked, waitForOutput } from './helpers/processes.js';
import { rssMiB } from './helpers/proc-memory.js';
import { runCli, type CliResult } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * Clients that are hostile or just buggy, against a real daemon on a real socket:
 * docs/reliability.md ("Hostile and buggy clients") points here for each case.
 */
const HELLO = '{"id":0,"op":"hello","params":{"protocol":1}}\n';
const MiB = 1024 * 1024;

/** Lines the daemon sends on `socket`, as they come. */
function linesOf(socket: Socket): { lines: string[]; closed: Promise<void> } {
  const lines: string[] = [];
  let rest = '';
  socket.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  socket.on('error', () => undefined);
  return { lines, closed: new Promise((resolve) => socket.once('close', () => resolve())) };
}

describe('a client that writes requests and never reads the replies', () => {
  it('pins a bounded amount of daemon memory, and is answered in order once it reads', async () => {
    const { pid, socketPath, client } = await daemonProcess({});
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = worker; i < 200; i += 8) await client.allocate({ pid: null, type: 'test', service: `held-${i}`, owner: 'rss-test' });
      }),
    );
    const replyBytes = JSON.stringify(await client.status()).length;
    // docs/reliability.md: max_line_bytes + 128 KiB + the unread-reply budget + in flight × the largest reply.
    const boundMiB = (1 * MiB + 128 * 1024 + MAX_UNREAD_REPLY_BYTES + MAX_IN_FLIGHT_PER_CONNECTION * replyBytes) / MiB;
    // What the garbage collector may hold on top: every reply is a fresh ~60 KB string.
    const gcSlackMiB = 20;
    const before = rssMiB(pid);

    const flooder = await openSocket(socketPath);
    flooder.pause(); // reads nothing
    const requests = 20_000;
    const lines = [HELLO];
    for (let id = 1; id <= requests; id++) lines.push(`{"id":${id},"op":"status","params":{}}\n`);
    flooder.write(lines.join(''));

    // For 1.5 s: the daemon's memory, and another client's status, sampled meanwhile.
    let peak = before;
    const deadline = Date.now() + 1500;
    let servedOthers = 0;
    while (Date.now() < deadline) {
      await client.status({ summary: true });
      servedOthers++;
      peak = Math.max(peak, rssMiB(pid));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(servedOthers).toBeGreaterThan(5);
    expect(
      peak - before,
      `daemon RSS grew ${(peak - before).toFixed(1)} MiB while one client held ${requests} unread status requests; the documented bound for one connection is ${boundMiB.toFixed(1)} MiB (+${gcSlackMiB} MiB of garbage-collector slack)`,
    ).toBeLessThan(boundMiB + gcSlackMiB);

    // Once it reads, the replies come, in order (the first 1,000: all 20,000 would be 1.2 GB).
    const ids: number[] = [];
    let rest = '';
    const first = 1000;
    const received = new Promise<void>((resolve) => {
      flooder.on('data', (chunk: Buffer) => {
        const parts = (rest + chunk.toString()).split('\n');
        rest = parts.pop() ?? '';
        for (const part of parts) ids.push((JSON.parse(part) as { id: number }).id);
        if (ids.length > first) {
          flooder.destroy();
          resolve();
        }
      });
    });
    flooder.resume();
    await received;
    expect(ids.slice(0, first + 1)).toEqual(Array.from({ length: first + 1 }, (_, i) => i));
    expect((await client.status({ summary: true })).summary.total).toBe(200);
  }, 30_000);
});

describe('a full connection table', () => {
  it('admits a fresh `ports status` among thousands of connections and byte-a-second tricklers', async (ctx) => {
    const limit = readFdLimit()?.soft ?? Number.POSITIVE_INFINITY;
    const connections = Math.min(2000, Math.floor((limit - 300) / 2));
    if (connections < 300) {
      console.warn(`skipping: this process may open only ${limit} files; the test needs about 1,000`);
      ctx.skip();
    }
    const { dir, socketPath, client } = await daemonProcess({ limits: { max_connections: 100, request_line_timeout_ms: 1500 } });
    client.destroy();
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    // How long the CLI takes against an idle daemon on this (possibly busy) machine.
    const quiet = Date.now();
    expect((await runCli(['status'], env)).code).toBe(0);
    const baselineMs = Date.now() - quiet;

    // Tricklers: a request line, one byte every 100 ms, never finished.
    const tricklers = await Promise.all(Array.from({ length: 20 }, () => openSocket(socketPath)));
    const trickled = tricklers.map((socket) => linesOf(socket));
    const drip = setInterval(() => {
      for (const socket of tricklers) if (!socket.destroyed) socket.write('{');
    }, 100);
    onTestFinished(() => clearInterval(drip));

    // Then the crowd, all at once; each is admitted or turned away.
    const crowd = await Promise.allSettled(
      Array.from({ length: connections }, () =>
        openSocket(socketPath).then((socket) => {
          socket.on('error', () => undefined);
          return socket;
        }),
      ),
    );
    // Some connects may fail outright (EAGAIN: the listen backlog was full); enough get through to fill the table.
    const failures = crowd.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as NodeJS.ErrnoException).code] : []));
    expect(connections - failures.length, `connects that failed: ${[...new Set(failures)].join(', ')}`).toBeGreaterThanOrEqual(100);
    // The crowd has stopped coming; a connection that arrives within 250 ms of a burst that
    // filled the table may find every slot too fresh to take (docs/protocol.md, "Limits").
    await new Promise((resolve) => setTimeout(resolve, EVICTION_MIN_IDLE_MS));

    const started = Date.now();
    const status = await runCli(['status'], env);
    const elapsed = Date.now() - started;
    expect(status.code, status.stderr).toBe(0);
    expect(elapsed, `ports status took ${elapsed} ms among ${connections} connections (${baselineMs} ms on an idle daemon)`).toBeLessThan(1000 + baselineMs);

    // No trickler holds its slot: each was closed to make room or at its request-line deadline.
    // The daemon's last line says which; a trickler that keeps writing after the daemon closed
    // may lose that line to its own EPIPE on a loaded machine, so only lines that came are checked.
    await Promise.all(trickled.map((t) => t.closed));
    for (const { lines } of trickled) {
      for (const line of lines) {
        expect(JSON.parse(line)).toMatchObject({ id: null, ok: false, error: { code: expect.stringMatching(/^E_(LIMIT|PROTOCOL)$/) } });
      }
    }
  }, 40_000);

  it('makes the CLI say the daemon is full (exit 3) when every connection is busy, and starts no second daemon', async () => {
    const dir = useTempDir();
    const daemon = await startTestDaemon(dir, { limits: { max_connections: 4 } });
    const followers: PortsClient[] = [];
    for (let i = 0; i < 4; i++) {
      const follower = await clientFor(daemon.socketPath);
      await follower.events({ follow: true, limit: 0, onEvent: () => undefined });
      followers.push(follower);
    }
    const fullMessage = `ports: The daemon on ${daemon.socketPath} is full (4 connections; it admits 4: limits.max_connections, lowered to fit its descriptor limit): it refused this connection.`;
    const expectFull = (result: CliResult): void => {
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toContain(fullMessage);
      expect(result.stderr).toContain('ss -xp');
      expect(result.stderr).not.toMatch(/EPIPE|ECONNRESET/);
    };

    const noAutostart = await Promise.all(Array.from({ length: 4 }, () => runCli(['status'], cliEnv(dir, { PORTS_NO_AUTOSTART: '1' }))));
    noAutostart.forEach(expectFull);

    const withAutostart = await Promise.all(Array.from({ length: 4 }, () => runCli(['allocate', 'web'], cliEnv(dir))));
    withAutostart.forEach(expectFull);
    const socketDir = dirname(daemon.socketPath);
    expect(existsSync(join(socketDir, 'autostart.log')), 'autostart.log: a second daemon was spawned').toBe(false);
    expect(existsSync(join(socketDir, 'autostart.lock'))).toBe(false);
    expect(daemon.store.allocations.size).toBe(0);

    // `ports daemon status` says it is there, rather than "not running".
    const daemonStatus = await runCli(['daemon', 'status'], cliEnv(dir, { PORTS_NO_AUTOSTART: '1' }));
    expect(daemonStatus.code).toBe(3);
    expect(daemonStatus.stderr).toContain('is full');
    // And so does doctor, as a warning.
    const doctor = await runCli(['doctor'], cliEnv(dir, { PORTS_NO_AUTOSTART: '1' }));
    expect(doctor.stdout).toMatch(/^warn {2}daemon: The daemon on .* is full/m);
  }, 40_000);
});

describe('a daemon that cannot accept connections as fast as they come', () => {
  it('is tried again while its accept queue is full (EAGAIN), then reported as busy rather than as a bug', async () => {
    const path = join(useTempDir(), 'busy.sock');
    // A listener with a one-connection queue that stops accepting, as a daemon swamped by a burst would.
    const listener = spawnTracked(process.execPath, ['-e', `require('node:net').createServer().listen({ path: ${JSON.stringify(path)}, backlog: 1 }, () => console.log('listening'))`]);
    await waitForOutput(listener, 'listening');
    listener.kill('SIGSTOP');
    onTestFinished(() => void listener.kill('SIGCONT'));
    for (let queued = 0; queued < 10; queued++) {
      const outcome = await openSocket(path).catch((error: NodeJS.ErrnoException) => error.code);
      if (outcome === 'EAGAIN') break;
    }
    await expect(connectSocket({ path, connectTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'E_DAEMON_UNREACHABLE',
      message: expect.stringContaining('its queue of new connections stayed full (EAGAIN)'),
      details: { reason: 'busy' },
    });
    // A client still trying when the daemon catches up gets in.
    const waiting = connectSocket({ path, connectTimeoutMs: 5000 });
    setTimeout(() => listener.kill('SIGCONT'), 100);
    (await waiting).destroy();
  });
});

describe('the request-line deadline', () => {
  it('closes a connection that sends a line byte by byte once limits.request_line_timeout_ms has passed', async () => {
    const daemon = await startTestDaemon(useTempDir(), { limits: { request_line_timeout_ms: 500 } });
    const trickler = await openSocket(daemon.socketPath);
    const { lines, closed } = linesOf(trickler);
    const started = Date.now();
    const partial = HELLO.slice(0, -2);
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < partial.length && !trickler.destroyed) trickler.write(partial[sent++] ?? '');
    }, 25);
    onTestFinished(() => clearInterval(drip));
    await closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        id: null,
        ok: false,
        error: { code: 'E_PROTOCOL', message: 'Request line not complete within 500 ms (limits.request_line_timeout_ms); closing', details: { bytes: expect.any(Number), timeoutMs: 500 } },
      },
    ]);
    // A client whose lines arrive whole is not affected.
    const client = await clientFor(daemon.socketPath);
    expect((await client.status({ summary: true })).summary.total).toBe(0);
  });
});

describe('the request-line deadline after a reload', () => {
  it('applies a new limits.request_line_timeout_ms (the SIGHUP reload) to lines that start after it', async () => {
    const daemon = await startTestDaemon(useTempDir(), { limits: { request_line_timeout_ms: 60_000 } });
    daemon.reload(testConfig({ limits: { request_line_timeout_ms: 300 } }));
    const slow = await openSocket(daemon.socketPath);
    const { lines, closed } = linesOf(slow);
    slow.write('{"id":1,');
    await closed;
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ error: { code: 'E_PROTOCOL', details: { timeoutMs: 300 } } });
  });
});

describe('invalid UTF-8 on the wire', () => {
  it('is an E_PROTOCOL error, with the request id when it can be read, and the connection stays usable', async () => {
    const daemon = await startTestDaemon(useTempDir());
    const socket = await openSocket(daemon.socketPath);
    const { lines } = linesOf(socket);
    socket.write(HELLO);
    socket.write(Buffer.concat([Buffer.from('{"id":5,"op":"allocate","params":{"service":"caf'), Buffer.from([0xe9]), Buffer.from('","pid":null}}\n')]));
    socket.write(Buffer.from([0xff, 0xfe, 0x0a]));
    socket.write('{"id":6,"op":"status","params":{"summary":true}}\n');
    await waitFor(() => lines.length === 4, 'four replies');
    // Replies come as each request finishes, not in order: match them by id.
    const replies = lines.map((line) => JSON.parse(line) as { id: unknown; ok: boolean; error?: { code: string; message: string } });
    expect(replies.find((reply) => reply.id === 5)).toEqual({ id: 5, ok: false, error: { code: 'E_PROTOCOL', message: 'The line is not valid UTF-8; send requests as UTF-8 JSON' } });
    expect(replies.filter((reply) => reply.id === null)).toEqual([{ id: null, ok: false, error: { code: 'E_PROTOCOL', message: 'The line is not valid UTF-8; send requests as UTF-8 JSON' } }]);
    expect(replies.find((reply) => reply.id === 6)).toMatchObject({ ok: true });
    // Nothing was allocated under a mangled name.
    expect(daemon.store.allocations.size).toBe(0);
  });
});

/** Can uid 65534 read the repository (it runs bin/ports as that user)? Every folder on the way must be o+x. */
function othersCanRun(): string | null {
  for (const start of [ROOT, realpathSync(join(ROOT, 'node_modules')), process.execPath]) {
    for (let path = start; path !== dirname(path); path = dirname(path)) {
      if ((statSync(path).mode & 0o005) === 0) return `${path} is not readable by other users`;
    }
  }
  return null;
}

/** Run bin/ports as another user (root only). */
function runCliAs(uid: number, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, HOME: '/' }, uid, gid: uid, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A listening Unix socket at `path`, like another user's daemon. */
async function listeningSocket(path: string): Promise<void> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(path, resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

describe('a socket the client may not use (EACCES)', () => {
  const root = process.getuid?.() === 0;
  const nobody = 65534;
  const cannotRunAsNobody = root ? othersCanRun() : null;

  it.runIf(!root)('says the socket is ours but its mode is wrong (exit 1), and starts no daemon', async () => {
    const dir = useTempDir();
    const socketPath = pathsIn(dir).socketPath;
    mkdirSync(dirname(socketPath), { mode: 0o700 });
    await listeningSocket(socketPath);
    chmodSync(socketPath, 0o000);
    const result = await runCli(['status'], cliEnv(dir));
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`Permission denied on ${socketPath}: the socket is yours but its mode is 0000`);
    expect(existsSync(join(dirname(socketPath), 'autostart.log'))).toBe(false);
  });

  it.runIf(root)("says whose socket it is, as another user would see root's (exit 1), and starts no daemon", async (ctx) => {
    if (cannotRunAsNobody) {
      console.warn(`skipping: cannot run bin/ports as uid ${nobody}: ${cannotRunAsNobody}`);
      ctx.skip();
    }
    const dir = useTempDir();
    chmodSync(dir, 0o755);
    const socketDir = join(dir, 'shared');
    mkdirSync(socketDir, { mode: 0o755 });
    const socketPath = join(socketDir, 'ports.sock');
    await listeningSocket(socketPath);
    chmodSync(socketPath, 0o600);
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORTS_SOCKET: socketPath };
    const result = await runCliAs(nobody, ['status'], env);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`Permission denied on ${socketPath}: that socket belongs to uid 0 (root) (mode 0600), not to you (uid ${nobody})`);
    expect(result.stderr).toContain('PORTS_SOCKET');
    expect(result.stderr).not.toContain('No daemon');

    // The same behind a folder the user may not enter.
    const privateDir = join(dir, 'private');
    mkdirSync(privateDir, { mode: 0o700 });
    const hidden = join(privateDir, 'ports.sock');
    await listeningSocket(hidden);
    const behindFolder = await runCliAs(nobody, ['status'], { ...env, PORTS_SOCKET: hidden });
    expect(behindFolder.code, behindFolder.stderr).toBe(1);
    expect(behindFolder.stderr).toContain(`Permission denied on ${hidden}: the folder ${privateDir} (owned by uid 0 (root), mode 0700) does not let you`);
    expect(existsSync(join(privateDir, 'autostart.log'))).toBe(false);
  });
});
