import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSocket } from '../../test/helpers/sockets.js';
import { waitFor } from '../../test/helpers/daemon.js';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import type { Reply } from '../protocol/results.js';
import { MAX_IN_FLIGHT_PER_CONNECTION, MAX_UNREAD_REPLY_BYTES } from './connection.js';
import { EVICTION_MIN_IDLE_MS } from './eviction.js';
import type { Handler } from '../protocol/session.js';
import { createSocketServer, type ServerLimits } from './server.js';

/**
 * The socket server with a scripted handler: each request line waits until the test answers it,
 * so what the server dispatches, and when, can be counted exactly. Time for eviction is fake.
 */
function scriptedHandler(answer: (line: string) => unknown = () => ({})) {
  const waiting: Array<() => void> = [];
  const seen: string[] = [];
  const handler: Handler = {
    handle: () => Promise.reject(new Error('not used')),
    handleLine(session, line) {
      seen.push(line);
      const id = (JSON.parse(line) as { id: number }).id;
      if (line.includes('"follow"')) session.following = true;
      return new Promise<Reply>((resolve) => waiting.push(() => resolve({ id, ok: true, result: answer(line) })));
    },
    rejectInvalidUtf8: () => ({ id: null, ok: false, error: { code: 'E_PROTOCOL', message: 'not UTF-8' } }),
  };
  return { handler, seen, answerAll: () => waiting.splice(0).forEach((wake) => wake()), answerOne: () => waiting.shift()?.() };
}

async function serve(handler: Handler, limits: Partial<ServerLimits> = {}) {
  const path = join(useTempDir(), 's.sock');
  const clock = { time: 1_000_000, monotonic: () => clock.time };
  const silent = () => undefined;
  const server = createSocketServer(
    handler,
    () => ({ maxLineBytes: 1 << 20, maxConnections: 100, idleTimeoutMs: 60_000, requestLineTimeoutMs: 10_000, ...limits }),
    { warn: silent, debug: silent },
    clock,
  );
  await server.listen(path);
  onTestFinished(() => server.close(0));
  return { path, server, clock };
}

/** Everything the server sends until it closes the connection. */
function untilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
  });
}

const request = (id: number, extra = '') => `{"id":${id},"op":"status"${extra}}\n`;

describe('the socket server under pipelining', () => {
  it(`dispatches at most ${MAX_IN_FLIGHT_PER_CONNECTION} requests of one connection at a time, however many lines one write carries`, async () => {
    const script = scriptedHandler();
    const { path } = await serve(script.handler);
    const client = await openSocket(path);
    const replies: number[] = [];
    let buffered = '';
    client.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) replies.push((JSON.parse(line) as Reply & { id: number }).id);
    });
    client.write(Array.from({ length: 100 }, (_, i) => request(i + 1)).join(''));
    await waitFor(() => script.seen.length === MAX_IN_FLIGHT_PER_CONNECTION, 'the first requests');
    // Another connection's round trip: the server had every chance to dispatch more.
    const other = await openSocket(path);
    other.write(request(1000));
    await waitFor(() => script.seen.length === MAX_IN_FLIGHT_PER_CONNECTION + 1, 'the other connection');
    expect(script.seen.filter((line) => !line.includes('1000'))).toHaveLength(MAX_IN_FLIGHT_PER_CONNECTION);

    script.answerOne(); // the first connection's first request
    await waitFor(() => script.seen.length === MAX_IN_FLIGHT_PER_CONNECTION + 2, 'one more line once one is answered');
    const answering = setInterval(script.answerAll, 2);
    onTestFinished(() => clearInterval(answering));
    await waitFor(() => replies.length === 100, 'all 100 replies');
    expect(replies).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it(`stops taking a connection's requests while it leaves ${MAX_UNREAD_REPLY_BYTES / 1024 / 1024} MiB of replies unread, then goes on`, async () => {
    const big = 'x'.repeat(256 * 1024);
    const script = scriptedHandler(() => ({ big }));
    const { path } = await serve(script.handler);
    const reader = await openSocket(path);
    reader.pause(); // reads nothing for now
    reader.write(Array.from({ length: 200 }, (_, i) => request(i + 1)).join(''));
    // Answer whatever comes, until the server stops dispatching.
    let stable = 0;
    for (let last = -1; stable < 20; ) {
      script.answerAll();
      await new Promise((resolve) => setTimeout(resolve, 5));
      stable = script.seen.length === last ? stable + 1 : 0;
      last = script.seen.length;
    }
    // 1 MiB in the server's buffer plus what the kernel's socket buffers took: far from 200 × 256 KiB.
    expect(script.seen.length).toBeLessThan(40);
    let received = 0;
    reader.on('data', (chunk: Buffer) => (received += chunk.toString().split('\n').length - 1));
    reader.resume();
    const answering = setInterval(script.answerAll, 2);
    onTestFinished(() => clearInterval(answering));
    await waitFor(() => received === 200, 'all 200 replies once the client reads', 20_000);
  });
});

describe('the request-line deadline', () => {
  it('closes a connection whose line is not complete in time, however often it sends a byte', async () => {
    const script = scriptedHandler();
    const { path } = await serve(script.handler, { requestLineTimeoutMs: 300 });
    const trickler = await openSocket(path);
    const text = untilClosed(trickler);
    const started = Date.now();
    const line = request(1);
    let sent = 0;
    const drip = setInterval(() => {
      if (!trickler.destroyed && sent < line.length - 1) trickler.write(line[sent++] ?? '');
    }, 20);
    onTestFinished(() => clearInterval(drip));
    const reply = JSON.parse(await text) as Reply;
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(reply).toMatchObject({ id: null, ok: false, error: { code: 'E_PROTOCOL', message: 'Request line not complete within 300 ms (limits.request_line_timeout_ms); closing' } });
    expect(script.seen).toEqual([]);
  });

  it('gives each line its own deadline, so a slow but steady client is served', async () => {
    const script = scriptedHandler();
    const { path } = await serve(script.handler, { requestLineTimeoutMs: 300 });
    const client = await openSocket(path);
    for (let i = 1; i <= 4; i++) {
      // Each line takes about 200 ms; four take 800 ms, well past one deadline.
      const line = request(i);
      client.write(line.slice(0, 5));
      await new Promise((resolve) => setTimeout(resolve, 200));
      client.write(line.slice(5));
      await waitFor(() => script.seen.length === i, `line ${i}`);
    }
    expect(client.destroyed).toBe(false);
  });
});

describe('a full connection table', () => {
  it('closes the longest-idle connection, with a last line saying why, to admit a new one', async () => {
    const script = scriptedHandler();
    const { path, server, clock } = await serve(script.handler, { maxConnections: 2 });
    const oldest = await openSocket(path);
    const oldestText = untilClosed(oldest);
    await waitFor(() => server.connections === 1, 'the first connection');
    clock.time += 5_000;
    const younger = await openSocket(path);
    await waitFor(() => server.connections === 2, 'the second connection');
    // Stray bytes are not activity: the oldest stays the longest idle.
    oldest.write('{"id":1,');
    clock.time += 1_000;
    const newcomer = await openSocket(path);
    expect(JSON.parse(await oldestText)).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'E_LIMIT', message: 'Closed to make room for a new connection: idle for 6.0 s while the daemon was full (it admits 2 connections)', details: { reason: 'evicted' } },
    });
    expect(younger.destroyed).toBe(false);
    newcomer.write(request(7));
    await waitFor(() => script.seen.includes(request(7).trim()), 'the newcomer served');
  });

  it('never closes a connection with a request in flight or following events; refuses the new one instead', async () => {
    const script = scriptedHandler();
    const { path, clock } = await serve(script.handler, { maxConnections: 2 });
    const working = await openSocket(path);
    working.write(request(1));
    const follower = await openSocket(path);
    follower.write(request(2, ',"params":{"follow":true}'));
    await waitFor(() => script.seen.length === 2, 'both requests');
    script.answerAll(); // both answered; the follower goes on following
    working.write(request(3)); // in flight again
    await waitFor(() => script.seen.length === 3, 'the third request');
    clock.time += 60_000;
    const refused = await openSocket(path);
    expect(JSON.parse(await untilClosed(refused))).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'E_LIMIT', details: { reason: 'full', maxConnections: 2, connections: 2 } },
    });
    expect(working.destroyed || follower.destroyed).toBe(false);
  });

  it(`leaves a connection that has been idle for less than ${EVICTION_MIN_IDLE_MS} ms alone`, async () => {
    const script = scriptedHandler();
    const { path } = await serve(script.handler, { maxConnections: 1 });
    const first = await openSocket(path);
    const refused = await openSocket(path);
    expect(JSON.parse(await untilClosed(refused))).toMatchObject({ error: { code: 'E_LIMIT', details: { reason: 'full' } } });
    expect(first.destroyed).toBe(false);
  });

  it('lets a refused client write its first request after the refusal arrived, and read it (no EPIPE)', async () => {
    const script = scriptedHandler();
    const { path } = await serve(script.handler, { maxConnections: 1 });
    await openSocket(path);
    for (let i = 0; i < 3; i++) {
      // The worst case for a client: its hello goes out only once the server has answered and shut its side.
      const refused = connect({ path, allowHalfOpen: true });
      onTestFinished(() => void refused.destroy());
      let error: string | undefined;
      refused.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
      const text = untilClosed(refused);
      await new Promise((resolve) => refused.once('end', resolve));
      await new Promise((resolve) => setTimeout(resolve, 50)); // a client slower than the server
      const written = new Promise<void>((resolve) =>
        refused.write(request(1), (failure) => {
          error ??= (failure as NodeJS.ErrnoException | null | undefined)?.code;
          refused.end();
          resolve();
        }),
      );
      const code = (JSON.parse(await text) as { error: { code: string } }).error.code;
      await written;
      expect({ error, code }).toEqual({ error: undefined, code: 'E_LIMIT' });
    }
  });
});
