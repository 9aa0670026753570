import { describe, expect, it } from 'vitest';
import { createTestDaemon } from '../testing.js';
import { PROTOCOL_VERSION } from '../version.js';

async function session() {
  const daemon = await createTestDaemon();
  const s = { helloDone: false };
  const send = (message: unknown) => daemon.handler.handle(s, message);
  const line = (text: string) => daemon.handler.handleLine(s, text);
  return { daemon, send, line, hello: () => send({ id: 0, op: 'hello', params: { protocol: PROTOCOL_VERSION } }) };
}

const alloc = (params: Record<string, unknown>) => ({ id: 1, op: 'allocate', params: { pid: null, ...params } });

describe('handler', () => {
  it('requires hello first', async () => {
    const { send } = await session();
    expect(await send({ id: 1, op: 'status', params: {} })).toMatchObject({ id: 1, ok: false, error: { code: 'E_PROTOCOL', message: 'Send hello first (got status)' } });
  });

  it('refuses another protocol version, naming both', async () => {
    const { send } = await session();
    const reply = await send({ id: 1, op: 'hello', params: { protocol: PROTOCOL_VERSION + 1 } });
    expect(reply).toMatchObject({ ok: false, error: { code: 'E_VERSION_MISMATCH', details: { daemonProtocol: PROTOCOL_VERSION, clientProtocol: PROTOCOL_VERSION + 1 } } });
  });

  it('answers hello with the protocol and version', async () => {
    const { hello } = await session();
    expect(await hello()).toMatchObject({ id: 0, ok: true, result: { protocol: PROTOCOL_VERSION, version: expect.any(String) } });
  });

  it.each([
    ['not JSON', '{"id":1,', 'E_PROTOCOL'],
    ['a JSON array', '[1,2]', 'E_PROTOCOL'],
    ['a JSON string', '"hello"', 'E_PROTOCOL'],
  ])('replies to %s with an error, id null', async (_what, text, code) => {
    const { line } = await session();
    expect(await line(text)).toMatchObject({ id: null, ok: false, error: { code } });
  });

  it('names the known ops for an unknown op', async () => {
    const { send, hello } = await session();
    await hello();
    expect(await send({ id: 'a', op: 'explode', params: {} })).toMatchObject({
      id: 'a',
      ok: false,
      error: { code: 'E_UNKNOWN_OP', message: 'Unknown op "explode"; known ops: hello, allocate, release, status, shutdown, events, metrics, transfer, renew, cleanup' },
    });
  });

  it.each([
    ['port 0', { port: 0 }, 'params.port'],
    ['port 65536', { port: 65536 }, 'params.port'],
    ['port -1', { port: -1 }, 'params.port'],
    ['port 1.5', { port: 1.5 }, 'params.port'],
    ['port "80"', { port: '80' }, 'params.port'],
    ['pid 0', { pid: 0 }, 'params.pid'],
    ['pid 1', { pid: 1 }, 'params.pid'],
    ['pid -5', { pid: -5 }, 'params.pid'],
    ['pid 2^53', { pid: 2 ** 53 }, 'params.pid'],
    ['an unknown field', { colour: 'red' }, 'colour'],
    ['a bad service name', { service: 'has space' }, 'params.service'],
    ['a reversed range', { range: { start: 10, end: 5 } }, 'params.range'],
    ['a short ttl', { ttlMs: 10 }, 'params.ttlMs'],
    ['a non-http health url', { healthUrl: 'file:///etc/passwd' }, 'params.healthUrl'],
    ['a health url off this machine', { healthUrl: 'http://10.0.0.1/health' }, 'loopback'],
    ['a preferred port out of range', { preferred: [3000, 70000] }, 'params.preferred.1'],
    ['a preferred port that is not a list', { preferred: 3000 }, 'params.preferred'],
    ['an exact port with preferred ports', { port: 3000, preferred: [3001] }, 'params.preferred: give port (this exact port) or preferred'],
    ['an excluded port that is not a port', { exclude: ['3000'] }, 'params.exclude.0'],
    ['an exact port that is also excluded', { port: 3000, exclude: [3000] }, 'params.exclude: the exact port is also in exclude'],
    ['too many excluded ports', { exclude: Array.from({ length: 65536 }, () => 3000) }, 'params.exclude'],
  ])('rejects allocate with %s, naming the field', async (_what, params, field) => {
    const { send, hello } = await session();
    await hello();
    const reply = await send(alloc(params));
    expect(reply).toMatchObject({ id: 1, ok: false, error: { code: 'E_INVALID_REQUEST' } });
    if (!reply.ok) expect(reply.error.message).toContain(field);
  });

  it('requires an explicit pid (a number or null) on allocate', async () => {
    const { send, hello } = await session();
    await hello();
    const reply = await send({ id: 1, op: 'allocate', params: {} });
    expect(reply).toMatchObject({ ok: false, error: { code: 'E_INVALID_REQUEST', message: expect.stringContaining('params.pid') } });
  });

  it('rejects unknown envelope fields and a release that names nothing', async () => {
    const { send, hello } = await session();
    await hello();
    expect(await send({ id: 1, op: 'status', params: {}, extra: 1 })).toMatchObject({ ok: false, error: { code: 'E_INVALID_REQUEST' } });
    expect(await send({ id: 2, op: 'release', params: {} })).toMatchObject({
      ok: false,
      error: { code: 'E_INVALID_REQUEST', message: expect.stringContaining('name at least one of ports, service, pid, owner') },
    });
  });

  it('refuses an owner pid that is not a running process', async () => {
    const { send, hello } = await session();
    await hello();
    expect(await send(alloc({ pid: 4_194_000 }))).toMatchObject({ ok: false, error: { code: 'E_NO_SUCH_PROCESS' } });
  });

  it('refuses an owner whose start time does not match (pid reused)', async () => {
    const { send, hello } = await session();
    await hello();
    const reply = await send(alloc({ pid: process.pid, pidStartTime: 1 }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'E_NO_SUCH_PROCESS', message: expect.stringContaining('pid reused') } });
  });
});

describe('status at scale: summary, filters and pages', () => {
  async function filled() {
    const s = await session();
    await s.hello();
    for (let i = 0; i < 12; i++) {
      const reply = await s.send(alloc({ service: `svc-${i}`, owner: i % 3 === 0 ? 'ci-1' : undefined, type: i % 2 === 0 ? 'dev' : 'test' }));
      expect(reply.ok).toBe(true);
    }
    return s;
  }

  it('gives counts by type, owner tag and health without the list', async () => {
    const { send } = await filled();
    const reply = await send({ id: 2, op: 'status', params: { summary: true } });
    expect(reply).toMatchObject({
      ok: true,
      result: { allocations: [], next: null, summary: { total: 12, tracked: 0, byType: { dev: 6, test: 6 }, byOwner: { 'ci-1': 4 }, byHealth: { unchecked: 12 } } },
    });
  });

  it('pages through the list by port, with filters', async () => {
    const { send } = await filled();
    const seen: number[] = [];
    let after = 0;
    for (let page = 0; page < 10; page++) {
      const reply = await send({ id: 3, op: 'status', params: { type: 'dev', limit: 4, after } });
      if (!reply.ok) throw new Error(JSON.stringify(reply));
      const result = reply.result as { allocations: Array<{ port: number; type: string }>; next: number | null };
      expect(result.allocations.length).toBeLessThanOrEqual(4);
      for (const allocation of result.allocations) expect(allocation.type).toBe('dev');
      seen.push(...result.allocations.map((a) => a.port));
      if (result.next === null) break;
      after = result.next;
    }
    expect(seen).toHaveLength(6);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(await send({ id: 4, op: 'status', params: { owner: 'ci-1', health: 'unchecked' } })).toMatchObject({ ok: true, result: { allocations: { length: 4 } } });
  });

  it.each([
    ['a negative after', { after: -1 }],
    ['a limit of 0', { limit: 0 }],
    ['an unknown health', { health: 'sick' }],
  ])('refuses %s', async (_what, params) => {
    const { send, hello } = await session();
    await hello();
    expect(await send({ id: 5, op: 'status', params })).toMatchObject({ ok: false, error: { code: 'E_INVALID_REQUEST' } });
  });
});
