import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { clientFor, pathsIn, startTestDaemon } from '../../../test/helpers/daemon.js';
import { useTempDir } from '../../../test/helpers/temp-dir.js';
import type { Allocation } from '../../protocol/allocation.js';
import { daemonStatus, fetchValues } from './live.js';
import { allocationCandidates } from './live-values.js';

const allocation = (port: number, service: string | null, owner: string | null, pid: number | null) => ({ port, service, owner, pid }) as Allocation;

describe('allocationCandidates', () => {
  const allocations = [allocation(3001, 'web', 'ci-1', 10), allocation(3000, 'web', null, 10), allocation(8000, 'api', 'ci-1', null), allocation(5400, null, null, null)];

  it.each([
    ['services', [['api', 'port 8000'], ['web', 'ports 3001, 3000']]],
    ['ports', [['3000', 'web'], ['3001', 'web'], ['5400', 'unnamed'], ['8000', 'api']]],
    ['owners', [['ci-1', 'ports 3001, 8000']]],
    ['pids', [['10', 'ports 3001, 3000']]],
    ['files', []],
  ] as const)('%s', (kind, expected) => {
    expect(allocationCandidates(kind, allocations).map((candidate) => [candidate.value, candidate.description])).toEqual(expected);
  });
});

describe('daemonStatus', () => {
  it('is null at once when no daemon listens', async () => {
    const dir = useTempDir();
    const started = Date.now();
    expect(await daemonStatus({ PORTS_SOCKET: join(dir, 'none.sock') }, 300)).toBeNull();
    expect(Date.now() - started).toBeLessThan(300);
  });

  it('gives up on a daemon that accepts but never answers, and leaves no connection open', async () => {
    const dir = useTempDir();
    const path = join(dir, 'mute.sock');
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      // Reading, so the end of the connection is seen.
      socket.resume();
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const started = Date.now();
    expect(await daemonStatus({ PORTS_SOCKET: path }, 200)).toBeNull();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1500);
    // The client hung up: the server sees its connection close.
    const deadline = Date.now() + 2000;
    while (sockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sockets.size).toBe(0);
  });
});

describe('fetchValues', () => {
  it('reads services, ports, owners and types in use from a running daemon', async () => {
    const dir = useTempDir();
    await startTestDaemon(dir);
    const client = await clientFor(pathsIn(dir).socketPath);
    const { allocation: web } = await client.allocate({ service: 'web', pid: null, owner: 'ci-7' });
    const env = { PORTS_SOCKET: pathsIn(dir).socketPath, XDG_CONFIG_HOME: join(dir, 'config') };
    expect(await fetchValues(['services'], env)).toEqual([{ value: 'web', description: `port ${web.port}` }]);
    expect(await fetchValues(['ports', 'owners'], env)).toEqual([
      { value: String(web.port), description: 'web' },
      { value: 'ci-7', description: `port ${web.port}` },
    ]);
    expect(await fetchValues(['types'], env)).toEqual(expect.arrayContaining([{ value: 'api', description: '8000-8099' }, { value: 'dev', description: 'in use' }]));
  });

  it('without a daemon: the config and docs values only, and nothing thrown', async () => {
    const dir = useTempDir();
    const env = { PORTS_SOCKET: join(dir, 'none.sock'), XDG_CONFIG_HOME: join(dir, 'config') };
    expect(await fetchValues(['services', 'owners'], env)).toEqual([]);
    expect((await fetchValues(['log-levels'], env)).map((candidate) => candidate.value)).toEqual(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
    expect((await fetchValues(['types'], env)).map((candidate) => candidate.value)).toContain('storybook');
    expect((await fetchValues(['help'], env)).map((candidate) => candidate.value)).toEqual(expect.arrayContaining(['topics', 'exit-codes', 'health', 'config']));
  });
});
