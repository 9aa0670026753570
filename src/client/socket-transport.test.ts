import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import { waitFor } from '../../test/helpers/daemon.js';
import { scriptedDaemon } from '../../test/helpers/scripted-daemon.js';
import { PortsError } from '../errors.js';
import type { EventPush } from '../protocol/results.js';
import { connectSocket, type SocketTransportOptions } from './socket-transport.js';
import type { Transport } from './transport.js';

/**
 * The one place that opens the transport under test, destroyed when the test ends. The daemon
 * on the other end is a scripted one (a real Unix socket; each test writes the replies by hand).
 */
async function open(path: string, options: Omit<SocketTransportOptions, 'path'> = {}): Promise<Transport> {
  const transport = await connectSocket({ path, ...options });
  onTestFinished(() => transport.destroy());
  return transport;
}

const request = (id: number, op = 'status') => ({ id, op, params: {} });
const reply = (id: number, result: unknown = { id }) => `${JSON.stringify({ id, ok: true, result })}\n`;

/** A promise's outcome so far, without waiting for it. */
function track<T>(promise: Promise<T>): { settled: boolean } {
  const state = { settled: false };
  promise.then(
    () => void (state.settled = true),
    () => void (state.settled = true),
  );
  return state;
}

describe('socket transport: connecting', () => {
  it('refuses a path longer than a Unix socket allows (E_PATH), rather than connect somewhere else', async () => {
    const path = `/tmp/${'x'.repeat(120)}.sock`;
    await expect(connectSocket({ path })).rejects.toMatchObject({
      code: 'E_PATH',
      message: expect.stringContaining(`Unix sockets allow at most`),
      details: { socket: path },
    });
  });

  it('says no daemon runs when nothing is at the path (ENOENT)', async () => {
    const path = join(useTempDir(), 'none.sock');
    await expect(connectSocket({ path })).rejects.toMatchObject({
      code: 'E_DAEMON_UNREACHABLE',
      message: `No daemon is running on ${path} (ENOENT)`,
      details: { socket: path, errno: 'ENOENT' },
    });
  });

  it('says no daemon runs when the path holds something that does not listen (ECONNREFUSED)', async () => {
    const path = join(useTempDir(), 'file.sock');
    writeFileSync(path, 'not a socket');
    await expect(connectSocket({ path })).rejects.toMatchObject({ code: 'E_DAEMON_UNREACHABLE', details: { errno: 'ECONNREFUSED' } });
  });

  it('reports an errno it does not expect as E_INTERNAL, with the cause kept', async () => {
    const file = join(useTempDir(), 'file');
    writeFileSync(file, '');
    const path = join(file, 'd.sock');
    const error = await connectSocket({ path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PortsError);
    expect(error).toMatchObject({ code: 'E_INTERNAL', message: `No daemon is running on ${path} (ENOTDIR)`, details: { errno: 'ENOTDIR' } });
    expect((error as PortsError).cause).toMatchObject({ code: 'ENOTDIR' });
  });
  // EAGAIN (a full accept queue) and EACCES (another user's socket) need a stopped process and
  // another uid: test/hostile-clients.test.ts covers them.
});

describe('socket transport: requests and replies', () => {
  it('sends each request as one JSON line and matches replies by id, in whatever order they come', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const first = transport.request(request(1, 'hello'));
    const second = transport.request(request(2));
    const peer = await daemon.peer();
    await waitFor(() => peer.lines.length === 2, 'both requests');
    expect(peer.lines).toEqual(['{"id":1,"op":"hello","params":{}}', '{"id":2,"op":"status","params":{}}']);
    peer.send(reply(2, 'second') + reply(1, 'first'));
    expect(await first).toEqual({ id: 1, ok: true, result: 'first' });
    expect(await second).toEqual({ id: 2, ok: true, result: 'second' });
  });

  it('puts together a reply that arrives in pieces, and takes a \\r\\n line end', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const answer = transport.request(request(7));
    const peer = await daemon.peer();
    const line = `${JSON.stringify({ id: 7, ok: true, result: { text: 'é'.repeat(50) } })}\r\n`;
    const bytes = Buffer.from(line);
    // Cut inside a two-byte character, too.
    for (const piece of [bytes.subarray(0, 20), bytes.subarray(20, 41), bytes.subarray(41)]) {
      peer.socket.write(piece);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await answer).toEqual({ id: 7, ok: true, result: { text: 'é'.repeat(50) } });
  });

  it('ignores a reply to an id it did not send', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const answer = transport.request(request(1));
    const peer = await daemon.peer();
    peer.send(reply(99, 'stray') + reply(1, 'mine'));
    expect(await answer).toEqual({ id: 1, ok: true, result: 'mine' });
  });

  it('hands pushed events to every listener without settling the request they belong to', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const seen: Array<[string, EventPush]> = [];
    transport.onPush?.((message) => seen.push(['a', message]));
    transport.onPush?.((message) => seen.push(['b', message]));
    const follow = transport.request(request(3, 'events'));
    const state = track(follow);
    const peer = await daemon.peer();
    const event = { ts: '2026-01-01T00:00:00.000Z', type: 'allocation.created', port: 3000 };
    peer.send(`${JSON.stringify({ id: 3, event })}\n`);
    await waitFor(() => seen.length === 2, 'the pushed event');
    expect(seen).toEqual([
      ['a', { id: 3, event }],
      ['b', { id: 3, event }],
    ]);
    expect(state.settled).toBe(false);
    peer.send(reply(3, { events: [] }));
    expect(await follow).toEqual({ id: 3, ok: true, result: { events: [] } });
  });
});

describe('socket transport: failures', () => {
  it('fails every request in flight, and every later one, with a connection-level error (id null)', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const pending = [transport.request(request(1)), transport.request(request(2))];
    const peer = await daemon.peer();
    const error = { code: 'E_LIMIT', message: 'Too many requests in flight on this connection', details: { max: 2 } };
    peer.send(`${JSON.stringify({ id: null, ok: false, error })}\n`);
    for (const answer of pending) await expect(answer).rejects.toMatchObject(error);
    await expect(transport.request(request(3))).rejects.toMatchObject(error);
  });

  it('turns a connection-level error code it does not know into E_INTERNAL, keeping the message', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const answer = transport.request(request(1));
    (await daemon.peer()).send('{"id":null,"ok":false,"error":{"code":"E_FROM_THE_FUTURE","message":"something new"}}\n');
    await expect(answer).rejects.toMatchObject({ code: 'E_INTERNAL', message: 'something new' });
  });

  it('fails with E_PROTOCOL and closes the connection on a line that is not JSON', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const answer = transport.request(request(1));
    (await daemon.peer()).send('<html>not a daemon</html>\n');
    await expect(answer).rejects.toMatchObject({ code: 'E_PROTOCOL', message: 'The daemon sent a line that is not JSON' });
    await transport.closed;
    await expect(transport.request(request(2))).rejects.toMatchObject({ code: 'E_PROTOCOL' });
  });

  it('accepts a reply of exactly maxLineBytes, and fails with E_PROTOCOL and closes on a longer one', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path, { maxLineBytes: 64 });
    const fits = transport.request(request(1));
    const peer = await daemon.peer();
    const exact = JSON.stringify({ id: 1, ok: true, result: 'x'.repeat(64 - 30) });
    expect(Buffer.byteLength(exact)).toBe(64);
    peer.send(`${exact}\n`);
    expect(await fits).toMatchObject({ id: 1, ok: true });

    const tooLong = transport.request(request(2));
    // No newline needed: the client stops reading once the line passes the bound.
    peer.send(JSON.stringify({ id: 2, ok: true, result: 'x'.repeat(64) }));
    await expect(tooLong).rejects.toMatchObject({ code: 'E_PROTOCOL', message: 'The daemon sent a reply larger than this client accepts' });
    await transport.closed;
  });

  it('fails requests in flight and later ones when the daemon closes the connection, and resolves closed', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const answer = transport.request(request(1));
    const peer = await daemon.peer();
    await waitFor(() => peer.lines.length === 1, 'the request');
    peer.socket.end();
    await expect(answer).rejects.toMatchObject({ code: 'E_DAEMON_UNREACHABLE', message: 'The daemon closed the connection', details: { socket: daemon.path } });
    await transport.closed;
    await expect(transport.request(request(2))).rejects.toMatchObject({ code: 'E_DAEMON_UNREACHABLE', message: 'The daemon closed the connection' });
  });

  it('reports the line the daemon sent before closing rather than the close itself', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const answer = transport.request(request(1));
    const peer = await daemon.peer();
    peer.socket.end(`${JSON.stringify({ id: null, ok: false, error: { code: 'E_LIMIT', message: 'The daemon is full', details: { reason: 'full' } } })}\n`);
    await expect(answer).rejects.toMatchObject({ code: 'E_LIMIT', message: 'The daemon is full', details: { reason: 'full' } });
  });

  it('reports a reset connection as lost, naming the errno', async () => {
    // The daemon never reads: closing with our request unread resets the connection.
    const daemon = await scriptedDaemon({ pauseOnConnect: true });
    const transport = await open(daemon.path);
    const answer = transport.request(request(1));
    (await daemon.peer()).socket.destroy();
    const error = await answer.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'E_DAEMON_UNREACHABLE', message: 'Lost the connection to the daemon: ECONNRESET' });
    expect((error as PortsError).cause).toMatchObject({ code: 'ECONNRESET' });
  });
});

describe('socket transport: close and destroy', () => {
  it('close waits for the replies in flight, then ends the connection; it is idempotent, and later requests are refused', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const answer = transport.request(request(1));
    const closing = transport.close();
    const state = track(closing);
    const peer = await daemon.peer();
    await waitFor(() => peer.lines.length === 1, 'the request');
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.settled).toBe(false);
    expect(transport.close()).toBe(closing);

    peer.log.push('reply');
    peer.send(reply(1, 'done'));
    expect(await answer).toEqual({ id: 1, ok: true, result: 'done' });
    await closing;
    await transport.closed;
    await waitFor(() => peer.log.includes('end'), 'the daemon to see the end');
    expect(peer.log).toEqual(['line', 'reply', 'end']);
    await expect(transport.request(request(2))).rejects.toMatchObject({ code: 'E_DAEMON_UNREACHABLE', message: 'The client is closed' });
  });

  it('close with nothing in flight ends the connection at once', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const peer = await daemon.peer();
    await transport.close();
    await waitFor(() => peer.log.includes('end'), 'the daemon to see the end');
  });

  it('destroy fails the requests in flight at once, and is idempotent', async () => {
    const daemon = await scriptedDaemon();
    const transport = await open(daemon.path);
    const answer = transport.request(request(1));
    transport.destroy();
    transport.destroy();
    await expect(answer).rejects.toMatchObject({ code: 'E_DAEMON_UNREACHABLE', message: 'The client was destroyed' });
    await expect(transport.request(request(2))).rejects.toMatchObject({ message: 'The client was destroyed' });
    await transport.closed;
  });
});
