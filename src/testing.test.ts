import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTestDaemon } from './testing.js';

const shipped = JSON.parse(readFileSync(new URL('../config/default.json', import.meta.url), 'utf8')) as {
  types: Record<string, string>;
  health_monitoring: { check_interval_ms: number; max_failures: number };
};

describe('createTestDaemon: defaults', () => {
  it('has the shipped service types', async () => {
    await using daemon = await createTestDaemon();
    const client = await daemon.connect();
    const { allocation } = await client.allocate({ type: 'api', pid: null });
    expect(allocation).toMatchObject({ port: 8000, type: 'api' });
    await expect(client.allocate({ type: 'nope', pid: null })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      message: `Unknown type "nope"; configured types: ${Object.keys(shipped.types).join(', ')}`,
    });
  });

  it('has the shipped HealthMonitor settings', async () => {
    await using daemon = await createTestDaemon();
    const { health } = await (await daemon.connect()).status({ summary: true });
    expect(health).toMatchObject({ check_interval_ms: shipped.health_monitoring.check_interval_ms, max_failures: shipped.health_monitoring.max_failures });
  });

  it('keeps types of your own, defaulting to the first', async () => {
    await using daemon = await createTestDaemon({ types: { web: { start: 7000, end: 7001 } } });
    expect((await (await daemon.connect()).allocate({ pid: null })).allocation).toMatchObject({ port: 7000, type: 'web' });
  });
});

describe('createTestDaemon: busy ports', () => {
  it('never adopts one: no process stands behind it, so an exact request stays a conflict', async () => {
    await using daemon = await createTestDaemon({ busyPorts: [3000] });
    const client = await daemon.connect();
    await expect(client.allocate({ service: 'web', port: 3000, pid: process.pid })).rejects.toMatchObject({
      code: 'E_CONFLICT',
      message: 'Port 3000 is in use by another process',
    });
    expect(await client.allocate({ service: 'web', pid: process.pid })).toMatchObject({ adopted: false, existing: false, allocation: { port: 3001 } });
  });
});

describe('createTestDaemon: close', () => {
  it('closes the clients it handed out, and refuses new ones', async () => {
    const daemon = await createTestDaemon();
    const client = await daemon.connect();
    await daemon.close();
    await client.closed;
    await expect(client.status()).rejects.toMatchObject({ name: 'PortsError', code: 'E_DAEMON_UNREACHABLE' });
    await expect(daemon.connect()).rejects.toMatchObject({ name: 'PortsError', code: 'E_DAEMON_UNREACHABLE', message: 'The test daemon is closed' });
    await expect(daemon.runHealthCycle()).rejects.toMatchObject({ code: 'E_DAEMON_UNREACHABLE' });
  });

  it('lets requests in flight finish first', async () => {
    const daemon = await createTestDaemon();
    const client = await daemon.connect();
    const pending = client.allocate({ service: 'web', pid: null });
    await daemon.close();
    expect((await pending).allocation.service).toBe('web');
  });

  it('is idempotent, and keeps the state readable', async () => {
    const daemon = await createTestDaemon();
    await (await daemon.connect()).allocate({ service: 'web', pid: null });
    await Promise.all([daemon.close(), daemon.close()]);
    await daemon.close();
    expect(daemon.stateText()).toContain('"web"');
  });

  it('is what Symbol.asyncDispose does', async () => {
    let kept: Awaited<ReturnType<typeof createTestDaemon>> | null = null;
    {
      await using daemon = await createTestDaemon();
      kept = daemon;
    }
    await expect(kept.connect()).rejects.toMatchObject({ code: 'E_DAEMON_UNREACHABLE' });
  });
});

describe('PortsClient: Symbol.asyncDispose', () => {
  it('closes the client at the end of the block', async () => {
    await using daemon = await createTestDaemon();
    let closed: Promise<void> | null = null;
    {
      await using client = await daemon.connect();
      closed = client.closed;
      await client.status({ summary: true });
    }
    await expect(closed).resolves.toBeUndefined();
  });
});
