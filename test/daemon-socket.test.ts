import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startDaemon } from '../src/daemon/daemon.js';
import { createSilentLogger } from '../src/daemon/logger.js';
import { clientFor, pathsIn, startTestDaemon, testConfig, waitFor } from './helpers/daemon.js';
import { freeBlock } from './helpers/processes.js';
import { readStateFolder } from './helpers/store.js';
import { useTempDir } from './helpers/temp-dir.js';

async function listenOn(port: number, host: string): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => resolve());
  });
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server;
}

/** Send raw bytes on a fresh connection and collect what comes back until the daemon closes or `until` matches. */
function rawExchange(socketPath: string, payload: string | Buffer, until?: (text: string) => boolean): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, 3000);
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (until?.(text)) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ text, closed: false });
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') return;
      reject(error);
    });
    socket.write(payload);
  });
}

const HELLO = '{"id":0,"op":"hello","params":{"protocol":1}}\n';

describe('the daemon on a real socket', () => {
  it('allocates, persists and releases, with private files', async () => {
    const dir = useTempDir();
    const daemon = await startTestDaemon(dir);
    const client = await clientFor(daemon.socketPath);
    const { allocation } = await client.allocate({ service: 'web', pid: process.pid });
    expect(allocation).toMatchObject({ service: 'web', type: 'dev', pid: process.pid, cwd: process.cwd() });
    expect(allocation.port).toBeGreaterThanOrEqual(3000);
    expect(allocation.port).toBeLessThanOrEqual(3099);
    expect(allocation.pidStartTime).toBeGreaterThan(0);

    // Durable before the reply: a journal record after the snapshot, both private.
    expect((await readStateFolder(daemon.paths.dir)).map((a) => a.port)).toEqual([allocation.port]);
    expect(statSync(daemon.paths.stateFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(daemon.paths.dir, 'state.journal')).mode & 0o777).toBe(0o600);
    expect(statSync(daemon.socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);

    expect((await client.status()).allocations.map((a) => a.port)).toEqual([allocation.port]);
    const released = await client.release({ ports: [allocation.port, 1234] });
    expect(released.released.map((a) => a.port)).toEqual([allocation.port]);
    expect(released.notFound).toEqual([1234]);
    expect(await readStateFolder(daemon.paths.dir)).toEqual([]);
  });

  it('is idempotent for the same service and pid, and sticky for the same service', async () => {
    const daemon = await startTestDaemon(useTempDir());
    const client = await clientFor(daemon.socketPath);
    const first = await client.allocate({ service: 'web', pid: process.pid });
    const again = await client.allocate({ service: 'web', pid: process.pid });
    expect(again).toMatchObject({ existing: true, allocation: { port: first.allocation.port } });
    await client.allocate({ service: 'other', pid: process.pid });
    await client.release({ service: 'web' });
    const later = await client.allocate({ service: 'web', pid: process.pid });
    expect(later).toMatchObject({ sticky: true, existing: false, allocation: { port: first.allocation.port } });
  });

  it('skips ports the OS already has in use, on every address family', async () => {
    const daemon = await startTestDaemon(useTempDir());
    const client = await clientFor(daemon.socketPath);
    const first = await freeBlock(4, 24000);
    await listenOn(first, '127.0.0.1');
    await listenOn(first + 1, '::1');
    await listenOn(first + 2, '0.0.0.0');
    const { allocation } = await client.allocate({ pid: null, range: { start: first, end: first + 3 } });
    expect(allocation.port).toBe(first + 3);
    // This test process holds it: the conflict names it.
    await expect(client.allocate({ pid: null, port: first + 1 })).rejects.toMatchObject({
      code: 'E_CONFLICT',
      message: expect.stringMatching(new RegExp(`^Port ${first + 1} is in use by pid ${process.pid} \\(`)),
    });
    await expect(client.allocate({ pid: null, range: { start: first, end: first + 2 } })).rejects.toMatchObject({
      code: 'E_NO_FREE_PORT',
      message: expect.stringContaining('3 in use by other processes'),
    });
  });

  it('refuses a second daemon on the same paths, naming the running pid', async () => {
    const dir = useTempDir();
    const first = await startTestDaemon(dir);
    const paths = pathsIn(dir);
    await expect(
      startDaemon({ config: testConfig(), ...paths, foreground: false, logger: createSilentLogger() }),
    ).rejects.toMatchObject({ code: 'E_ALREADY_RUNNING', message: `portkeeper daemon already running (pid ${process.pid})` });
    // The first one still serves.
    const client = await clientFor(first.socketPath);
    expect((await client.status()).daemon.pid).toBe(process.pid);
  });

  it('replaces a stale socket file left by a killed daemon', async () => {
    const dir = useTempDir();
    const paths = pathsIn(dir);
    mkdirSync(join(dir, 'run'), { mode: 0o700 });
    // A process that binds the socket and is then killed leaves the file behind.
    const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(paths.socketPath)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(existsSync(paths.socketPath)).toBe(true);

    const daemon = await startTestDaemon(dir);
    const client = await clientFor(daemon.socketPath);
    expect((await client.status()).allocations).toEqual([]);
  });

  it('refuses a socket path over 107 bytes with a clear message', async () => {
    const dir = useTempDir();
    const socketPath = join(dir, 'x'.repeat(110), 'ports.sock');
    await expect(
      startDaemon({ config: testConfig(), socketPath, stateDir: join(dir, 'state'), foreground: false, logger: createSilentLogger() }),
    ).rejects.toMatchObject({ code: 'E_PATH', message: expect.stringMatching(/Socket path is \d+ bytes; Unix sockets allow at most 107.*Set PORTS_SOCKET/) });
  });

  it('refuses a socket folder others can enter', async () => {
    const dir = useTempDir();
    mkdirSync(join(dir, 'run'));
    chmodSync(join(dir, 'run'), 0o755);
    await expect(startTestDaemon(dir)).rejects.toMatchObject({ code: 'E_PATH', message: expect.stringContaining('chmod 700') });
  });

  it('answers garbage with errors or a closed connection and keeps serving others', async () => {
    const dir = useTempDir();
    const daemon = await startTestDaemon(dir, { limits: { max_line_bytes: 64 * 1024 } });
    const good = await clientFor(daemon.socketPath);

    const notJson = await rawExchange(daemon.socketPath, 'this is not json\n', (t) => t.includes('\n'));
    expect(JSON.parse(notJson.text)).toMatchObject({ id: null, ok: false, error: { code: 'E_PROTOCOL' } });

    const binary = await rawExchange(daemon.socketPath, Buffer.from([0, 255, 254, 10, 1, 2, 10]), (t) => t.split('\n').length > 2);
    expect(binary.text.split('\n').filter(Boolean).map((l) => JSON.parse(l).error.code)).toEqual(['E_PROTOCOL', 'E_PROTOCOL']);

    const wrongTypes = await rawExchange(daemon.socketPath, `${HELLO}{"id":7,"op":"allocate","params":{"pid":"me","port":"80"}}\n`, (t) => t.split('\n').length > 2);
    const [, reply] = wrongTypes.text.split('\n');
    expect(JSON.parse(reply ?? '')).toMatchObject({ id: 7, ok: false, error: { code: 'E_INVALID_REQUEST' } });

    const unknownOp = await rawExchange(daemon.socketPath, `${HELLO}{"id":8,"op":"format_disk","params":{}}\n`, (t) => t.split('\n').length > 2);
    expect(JSON.parse(unknownOp.text.split('\n')[1] ?? '')).toMatchObject({ id: 8, error: { code: 'E_UNKNOWN_OP' } });

    const huge = await rawExchange(daemon.socketPath, Buffer.alloc(200 * 1024, 'a'));
    expect(huge.closed).toBe(true);
    expect(JSON.parse(huge.text.split('\n')[0] ?? '')).toMatchObject({ id: null, error: { code: 'E_PROTOCOL', message: expect.stringContaining('longer than 65536 bytes') } });

    // The well-behaved client never noticed.
    const { allocation } = await good.allocate({ service: 'still-here', pid: process.pid });
    expect(allocation.service).toBe('still-here');
  });

  it('finishes in-flight requests, then unlinks its socket, on close', async () => {
    const dir = useTempDir();
    const daemon = await startTestDaemon(dir);
    const client = await clientFor(daemon.socketPath);
    await client.allocate({ pid: null, service: 'first' });
    const inFlight = Array.from({ length: 20 }, (_, i) => client.allocate({ pid: null, service: `svc-${i}` }));
    await waitFor(() => daemon.store.allocations.size > 1, 'requests to reach the daemon');
    const closing = daemon.close('test');
    const results = await Promise.allSettled(inFlight);
    await closing;
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    // Whatever was acknowledged is on disk.
    const onDisk = JSON.parse(readFileSync(daemon.paths.stateFile, 'utf8'));
    expect(ok).toBeGreaterThan(0);
    expect(onDisk.allocations).toHaveLength(ok + 1);
    expect(existsSync(daemon.socketPath)).toBe(false);
    await waitFor(() => !existsSync(daemon.paths.lockFile), 'the lock to be released');
  });
});
