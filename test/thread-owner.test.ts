import { describe, expect, it } from 'vitest';
import type { PortsClient } from '../src/client/client.js';
import { createTestDaemon } from '../src/testing.js';
import { cliEnv, clientFor, startTestDaemon } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';
import { workerThreadId } from './helpers/threads.js';

/**
 * A thread id is not an owner: `kill(tid, 0)` succeeds, but the thread can end while its process
 * lives on, and the allocation would then be reclaimed as `process_dead` under a live server.
 * Every path that sets or changes an owner pid refuses one, naming the process to give instead.
 * (The portserver's path: test/portserver.test.ts and src/portserver/requester.test.ts.)
 */
const refusal = (tid: number) => ({
  code: 'E_INVALID_REQUEST',
  message: `Owner pid ${tid} is a thread of process ${process.pid}, not a process; give the process id (${process.pid})`,
});

async function inMemory(): Promise<PortsClient> {
  const daemon = await createTestDaemon();
  return daemon.connect();
}

async function overSocket(): Promise<PortsClient> {
  const dir = useTempDir();
  const daemon = await startTestDaemon(dir);
  return clientFor(daemon.socketPath);
}

describe.each([
  ['the library over the in-memory daemon', inMemory],
  ['a client over the daemon socket', overSocket],
])('thread ids as owners, through %s', (_, connect) => {
  it('allocate refuses a thread id and allocates nothing', async () => {
    const tid = await workerThreadId();
    const client = await connect();
    await expect(client.allocate({ service: 'web', pid: tid, type: 'test' })).rejects.toMatchObject(refusal(tid));
    expect((await client.status()).allocations).toEqual([]);
  });

  it('transfer (what `ports run` uses to hand a port to its command) refuses a thread id and leaves the owner as it was', async () => {
    const tid = await workerThreadId();
    const client = await connect();
    const { allocation } = await client.allocate({ service: 'web', pid: process.pid, type: 'test', listenCheck: false });
    await expect(client.transfer({ port: allocation.port, fromPid: process.pid, toPid: tid })).rejects.toMatchObject(refusal(tid));
    expect((await client.status()).allocations).toEqual([expect.objectContaining({ port: allocation.port, pid: process.pid })]);
  });

  it('a process id is still accepted on both', async () => {
    const client = await connect();
    const { allocation } = await client.allocate({ service: 'web', pid: process.pid, type: 'test', listenCheck: false });
    const { allocation: moved } = await client.transfer({ port: allocation.port, fromPid: process.pid, toPid: process.pid });
    expect(moved.pid).toBe(process.pid);
  });
});

describe('thread ids as owners, through the CLI', () => {
  it('ports allocate --pid TID is refused with exit 2, naming the process', async () => {
    const tid = await workerThreadId();
    const dir = useTempDir();
    const daemon = await startTestDaemon(dir);
    const result = await runCli(['allocate', 'web', '--type', 'test', '--pid', String(tid)], cliEnv(dir, { PORTS_NO_AUTOSTART: '1' }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(refusal(tid).message);
    expect(daemon.store.allocations.size).toBe(0);
  });
});
