import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuditEvent } from '../src/protocol/events.js';
import { startDaemon } from '../src/daemon/daemon.js';
import { createSilentLogger } from '../src/daemon/logger.js';
import { clientFor, pathsIn, startTestDaemon, testConfig, waitFor } from './helpers/daemon.js';
import { useTempDir } from './helpers/temp-dir.js';

const auditLines = (stateDir: string): AuditEvent[] =>
  readFileSync(join(stateDir, 'audit.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEvent);

describe('the daemon stops by one teardown', () => {
  it('tells followers daemon.stopped last, writes it to audit.log, keeps the state, and frees the lock, pid file and socket', async () => {
    const dir = useTempDir();
    const paths = pathsIn(dir);
    const daemon = await startTestDaemon(dir);
    const client = await clientFor(paths.socketPath);
    const { allocation } = await client.allocate({ service: 'web', pid: null });
    const follower = await clientFor(paths.socketPath);
    const seen: AuditEvent[] = [];
    await follower.events({ follow: true, limit: 0, onEvent: (event) => seen.push(event) });

    await daemon.close('test says stop');

    expect(seen.at(-1)).toMatchObject({ type: 'daemon.stopped', details: { reason: 'test says stop' } });
    expect(auditLines(paths.stateDir).at(-1)).toMatchObject({ type: 'daemon.stopped', details: { reason: 'test says stop' } });
    expect(existsSync(paths.socketPath)).toBe(false);
    expect(existsSync(join(paths.stateDir, 'daemon.pid'))).toBe(false);
    expect(existsSync(join(paths.stateDir, 'daemon.lock'))).toBe(false);

    // What was acknowledged is what the next daemon serves.
    const next = await startTestDaemon(dir);
    expect(next.store.allocations.get(allocation.port)).toMatchObject({ service: 'web' });
  });

  it('unwinds a start that fails part-way: the lock, the socket and the state are free for the next start', async () => {
    const dir = useTempDir();
    const paths = pathsIn(dir);
    // Something live answers on the portserver socket: the start stops after the main socket listens.
    const busy = join(dir, 'run', 'portserver.sock');
    const first = await startTestDaemon(dir);
    await first.close();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(busy, resolve));
    onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())));

    const failing = startDaemon({
      config: testConfig({ portserver: { socket: busy } }),
      socketPath: paths.socketPath,
      stateDir: paths.stateDir,
      foreground: false,
      logger: createSilentLogger(),
    });
    await expect(failing).rejects.toMatchObject({ code: 'E_ALREADY_RUNNING' });

    expect(existsSync(paths.socketPath)).toBe(false);
    expect(existsSync(join(paths.stateDir, 'daemon.lock'))).toBe(false);
    expect(existsSync(join(paths.stateDir, 'daemon.pid'))).toBe(false);
    const next = await startTestDaemon(dir);
    await waitFor(() => next.store.allocations.size === 0, 'the next daemon');
  });
});
