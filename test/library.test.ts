import { describe, expect, it } from 'vitest';
import { allocatePort, portNumbers, releasePort } from '../src/index.js';
import { clientFor, pathsIn, startTestDaemon } from './helpers/daemon.js';
import { useTempDir } from './helpers/temp-dir.js';
import { holdPort } from './helpers/processes.js';

/** A daemon of this test's own; the library reaches it by socketPath and never starts another. */
async function daemon() {
  const dir = useTempDir();
  await startTestDaemon(dir);
  const { socketPath } = pathsIn(dir);
  const client = await clientFor(socketPath);
  const at = { socketPath, autostart: false } as const;
  const holder = async (port: number) => (await client.status()).allocations.find((a) => a.port === port) ?? null;
  return { socketPath, at, client, holder };
}

describe('allocatePort', () => {
  it('with no options gives a new port of the default type on every call, leased to this process', async () => {
    const { at, holder } = await daemon();
    const first = await allocatePort(at);
    const second = await allocatePort(at);
    expect(second).not.toBe(first);
    expect(await holder(first)).toMatchObject({ service: null, type: 'dev', pid: process.pid, listenCheck: true });
  });

  it('with a service gives this process the same port again', async () => {
    const { at } = await daemon();
    const port = await allocatePort({ ...at, service: 'web' });
    expect(await allocatePort({ ...at, service: 'web' })).toBe(port);
  });

  it('tries the preferred ports in order, skipping held and busy ones, then searches', async () => {
    const { at, client } = await daemon();
    const { allocation: held } = await client.allocate({ pid: null, range: { start: 20000, end: 29999 } });
    const { allocation: free } = await client.allocate({ pid: null, range: { start: 20000, end: 29999 } });
    await client.release({ ports: [free.port] });
    const busy = await holdPort();
    expect(await allocatePort({ ...at, preferred: [busy, held.port, free.port] })).toBe(free.port);
    const fallback = await allocatePort({ ...at, preferred: busy });
    expect(fallback).toBeGreaterThanOrEqual(3000);
    expect(fallback).toBeLessThanOrEqual(3099);
  });

  it('searches only the range, never returning excluded ports', async () => {
    const { at } = await daemon();
    const first = await allocatePort({ ...at, range: portNumbers(20000, 29999) });
    await releasePort(first, at);
    const next = await allocatePort({ ...at, range: portNumbers(20000, 29999), exclude: [first + 1, first + 2] });
    expect(next).toBeGreaterThanOrEqual(20000);
    expect([first + 1, first + 2]).not.toContain(next);
  });

  it('records ttlMs, listenCheck, owner and healthUrl', async () => {
    const { at, holder } = await daemon();
    const port = await allocatePort({ ...at, ttlMs: 60_000, listenCheck: false, owner: 'job-1', healthUrl: 'http://127.0.0.1:1/health' });
    const allocation = await holder(port);
    expect(allocation).toMatchObject({ ttlMs: 60_000, listenCheck: false, owner: 'job-1', healthUrl: 'http://127.0.0.1:1/health' });
    expect(allocation?.expiresAt).not.toBeNull();
  });

  it('gives E_CONFLICT for a held exact port and E_NO_FREE_PORT for a full range', async () => {
    const { at, client } = await daemon();
    const { allocation } = await client.allocate({ pid: null, range: { start: 20000, end: 29999 } });
    await expect(allocatePort({ ...at, port: allocation.port })).rejects.toMatchObject({ name: 'PortsError', code: 'E_CONFLICT' });
    const range = portNumbers(allocation.port, allocation.port);
    await expect(allocatePort({ ...at, range })).rejects.toMatchObject({ code: 'E_NO_FREE_PORT' });
  });

  it('gives this process an exact port it already listens on (adopted)', async () => {
    const { at, client, holder } = await daemon();
    const mine = await holdPort();
    expect(await allocatePort({ ...at, service: 'mine', port: mine })).toBe(mine);
    expect(await holder(mine)).toMatchObject({ service: 'mine', pid: process.pid });
    expect((await client.events({ limit: 10 })).events.at(-1)).toMatchObject({ type: 'allocation.created', details: { adopted: true, listener: { pid: process.pid } } });
  });
});

describe('releasePort', () => {
  it('releases a port and says which', async () => {
    const { at, holder } = await daemon();
    const port = await allocatePort(at);
    expect(await releasePort(port, { socketPath: at.socketPath })).toEqual([port]);
    expect(await holder(port)).toBeNull();
    expect(await releasePort(port, { socketPath: at.socketPath })).toEqual([]);
  });

  it("releases a service's ports of this process only, unless pid: 'any'", async () => {
    const { at, client, holder } = await daemon();
    const mine = await allocatePort({ ...at, service: 'web' });
    const { allocation: theirs } = await client.allocate({ service: 'web', pid: null });
    expect(await releasePort({ service: 'web' }, { socketPath: at.socketPath })).toEqual([mine]);
    expect(await holder(theirs.port)).not.toBeNull();
    expect(await releasePort({ service: 'web', pid: 'any' }, { socketPath: at.socketPath })).toEqual([theirs.port]);
  });

  it('releases a list of ports', async () => {
    const { at } = await daemon();
    const ports = [await allocatePort(at), await allocatePort(at)].sort((a, b) => a - b);
    expect(await releasePort({ ports }, { socketPath: at.socketPath })).toEqual(ports);
  });

  it('resolves with nothing released once the daemon has stopped', async () => {
    const dir = useTempDir();
    const running = await startTestDaemon(dir);
    const { socketPath } = pathsIn(dir);
    const port = await allocatePort({ socketPath, autostart: false });
    await running.close('test');
    expect(await releasePort(port, { socketPath })).toEqual([]);
  });
});
