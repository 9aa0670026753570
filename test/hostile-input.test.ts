import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openSocket } from './helpers/sockets.js';
import { clientFor, daemonProcess, startTestDaemon, waitFor } from './helpers/daemon.js';
import { rssMiB } from './helpers/proc-memory.js';
import { useTempDir } from './helpers/temp-dir.js';

const HELLO = '{"id":0,"op":"hello","params":{"protocol":1}}\n';

function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe('hostile input on the socket', () => {
  it('cuts off a 100 MB line early, keeps memory bounded and keeps serving', async () => {
    const { pid, socketPath, client } = await daemonProcess();
    const before = rssMiB(pid);
    const attacker = await openSocket(socketPath);
    attacker.on('error', () => undefined);
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    let sent = 0;
    while (sent < 100 && !attacker.destroyed) {
      if (!attacker.write(chunk)) await new Promise((resolve) => attacker.once('drain', resolve).once('close', resolve));
      sent++;
    }
    expect(await closedWithin(attacker, 5000)).toBe(true);
    expect(sent).toBeLessThan(100);
    expect(rssMiB(pid) - before).toBeLessThan(40);
    expect((await client.allocate({ pid: null, service: 'after-100mb' })).allocation.service).toBe('after-100mb');
  });

  it('closes a connection that sends half a line and stalls, after the idle timeout', async () => {
    const { socketPath } = await daemonProcess({ limits: { idle_timeout_ms: 1000 } });
    const staller = await openSocket(socketPath);
    const started = Date.now();
    staller.write('{"id":1,"op":"hel');
    expect(await closedWithin(staller, 5000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    // A fresh client is served as usual.
    const client = await clientFor(socketPath);
    expect((await client.status()).daemon.pid).toBeGreaterThan(0);
  });

  it('serves a well-behaved client with a thousand idle connections open', async () => {
    const { pid, socketPath, client } = await daemonProcess();
    const idle = await Promise.all(Array.from({ length: 1000 }, () => openSocket(socketPath)));
    const started = Date.now();
    await client.allocate({ pid: null, service: 'among-idlers' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(rssMiB(pid)).toBeLessThan(300);
    for (const socket of idle) socket.destroy();
  });

  it('refuses connections beyond limits.max_connections with E_LIMIT when every connection is busy', async () => {
    const { socketPath, client } = await daemonProcess({ limits: { max_connections: 20 } });
    client.destroy();
    // Followers of events are never closed to make room (test/hostile-clients.test.ts has the idle ones).
    const held: Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const follower = await openSocket(socketPath);
      let seen = '';
      follower.on('data', (chunk) => (seen += chunk.toString()));
      follower.write(`${HELLO}{"id":1,"op":"events","params":{"follow":true,"limit":0}}\n`);
      await waitFor(() => seen.includes('"following":true'), `follower ${i} following`);
      held.push(follower);
    }
    const extra = await openSocket(socketPath);
    let reply = '';
    extra.on('data', (chunk) => (reply += chunk.toString()));
    expect(await closedWithin(extra, 5000)).toBe(true);
    expect(JSON.parse(reply)).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'E_LIMIT', message: expect.stringContaining('Too many connections (the daemon admits 20: limits.max_connections, lowered to fit its descriptor limit)'), details: { reason: 'full', connections: 20 } },
    });
    held[0]?.destroy();
  });

  it('survives a flood of pipelined requests from a client that never reads, with bounded memory', async () => {
    const { pid, socketPath, client } = await daemonProcess();
    const before = rssMiB(pid);
    const flooder = await openSocket(socketPath);
    flooder.pause(); // never read a reply
    flooder.on('error', () => undefined);
    const line = `${HELLO}${'{"id":1,"op":"status","params":{}}\n'.repeat(1000)}`;
    for (let i = 0; i < 200 && !flooder.destroyed; i++) {
      if (!flooder.write(line)) break; // the daemon stopped reading: backpressure works
    }
    const started = Date.now();
    expect((await client.allocate({ pid: null, service: 'during-flood' })).allocation.service).toBe('during-flood');
    expect(Date.now() - started).toBeLessThan(3000);
    await waitFor(() => true, 'settle');
    expect(rssMiB(pid) - before).toBeLessThan(80);
  });

  it('limits allocations per owner tag', async () => {
    const daemon = await startTestDaemon(useTempDir(), { limits: { max_allocations_per_owner: 3 } });
    const client = await clientFor(daemon.socketPath);
    for (let i = 0; i < 3; i++) await client.allocate({ pid: null, owner: 'greedy', service: `g${i}` });
    await expect(client.allocate({ pid: null, owner: 'greedy', service: 'g3' })).rejects.toMatchObject({
      code: 'E_LIMIT',
      message: 'Owner greedy already holds 3 allocations (limits.max_allocations_per_owner is 3)',
    });
    expect((await client.allocate({ pid: null, owner: 'modest', service: 'm' })).allocation.owner).toBe('modest');
  });
});
