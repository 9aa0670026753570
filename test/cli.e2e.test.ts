import { describe, expect, it } from 'vitest';
import { cliEnv } from './helpers/daemon.js';
import { runCli, stopDaemonWhenDone } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/** A temp home for the CLI; the daemon it autostarts is stopped when the test ends. */
function cliHome(extra: NodeJS.ProcessEnv = {}) {
  const dir = useTempDir();
  const env = cliEnv(dir, extra);
  stopDaemonWhenDone(dir, env);
  return { dir, env, run: (...args: string[]) => runCli(args, env) };
}

describe('ports CLI (built bin/ports)', () => {
  it('allocates (autostarting the daemon), shows status, releases', async () => {
    const { run } = cliHome();
    const allocated = await run('allocate', 'web');
    expect(allocated).toMatchObject({ code: 0, stderr: '' });
    // The dev range (3000-3099) by default; which port depends on what else listens on this host.
    const port = Number(allocated.stdout);
    expect(allocated.stdout).toBe(`${port}\n`);
    expect(port).toBeGreaterThanOrEqual(3000);
    expect(port).toBeLessThanOrEqual(3099);

    const again = await run('allocate', 'web', '--no-pid');
    expect(again.code).toBe(0);
    const second = Number(again.stdout);
    expect(second).not.toBe(port);

    const status = await run('status');
    expect(status.code).toBe(0);
    const lines = status.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    // Not a TTY: tab-separated, no header; sorted by port.
    expect(lines[0]?.split('\t').slice(0, 2)).toEqual([String(Math.min(port, second)), 'web']);

    const json = JSON.parse((await run('status', '--json')).stdout);
    expect(json).toMatchObject({ schemaVersion: 1, daemon: { protocol: 1 } });
    expect(json.allocations).toEqual(
      expect.arrayContaining([expect.objectContaining({ port, service: 'web' }), expect.objectContaining({ port: second, service: 'web', pid: null })]),
    );

    const released = await run('release', String(port));
    expect(released).toMatchObject({ code: 0, stdout: '' });
    expect(released.stderr).toContain(`released ${port} (web)`);
  });

  it('prints one JSON object with --json on allocate and release', async () => {
    const { run } = cliHome();
    const allocated = JSON.parse((await run('allocate', 'api', '--no-pid', '--owner', 'job-7', '--json')).stdout);
    expect(allocated).toMatchObject({ schemaVersion: 1, existing: false, sticky: false, warnings: [], allocation: { service: 'api', type: 'api', pid: null, owner: 'job-7' } });
    // The api range (8000-8099); 8000 itself may be taken on this host.
    expect(allocated.port).toBeGreaterThanOrEqual(8000);
    expect(allocated.port).toBeLessThanOrEqual(8099);
    const released = JSON.parse((await run('release', '--owner', 'job-7', '--json')).stdout);
    expect(released).toMatchObject({ schemaVersion: 1, released: [{ port: allocated.port }], notFound: [] });
  });

  it('owns the allocation by the calling process, not the CLI', async () => {
    const { run } = cliHome();
    const json = JSON.parse((await run('allocate', 'owner-check', '--json')).stdout);
    // This test process spawned the CLI directly, so it is the caller.
    expect(json.allocation.pid).toBe(process.pid);
  });

  it.each([
    ['an unknown flag', ['allocate', '--bogus'], 2],
    ['a bad port', ['allocate', '--port', '70000'], 2],
    ['a bad range', ['allocate', '--range', '5-1'], 2],
    ['a bad ttl', ['allocate', '--ttl', 'soon'], 2],
    ['release with nothing named', ['release'], 2],
    ['an unknown command', ['frobnicate'], 2],
  ])('exits 2 for %s', async (_what, args, code) => {
    const { run } = cliHome({ PORTS_NO_AUTOSTART: '1' });
    const result = await run(...args);
    expect(result.code).toBe(code);
    expect(result.stderr.length).toBeGreaterThan(0);
  });

  it('exits 3 when no daemon runs and autostart is off', async () => {
    const { run } = cliHome({ PORTS_NO_AUTOSTART: '1' });
    const result = await run('allocate', 'web');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/No daemon is running on .*ports\.sock/);
    expect((await run('daemon', 'status')).code).toBe(3);
  });

  it('exits 5 for --strict release of what is not allocated, 0 without', async () => {
    const { run } = cliHome();
    await run('allocate', 'x');
    expect((await run('release', '3999')).code).toBe(0);
    expect((await run('release', '3999', '--strict')).code).toBe(5);
  });

  it('exits 6 for a port held by another allocation, 4 when the range is full', async () => {
    const { run } = cliHome();
    // Ports the daemon found free on this host, then asked for again.
    const taken = (await run('allocate', 'a')).stdout.trim();
    const conflict = await run('allocate', 'b', '--port', taken);
    expect(conflict.code).toBe(6);
    expect(conflict.stderr).toContain(`Port ${taken} is allocated to a`);
    const reserved = (await run('allocate', '--type', 'test', '--no-pid')).stdout.trim();
    const full = await run('allocate', '--range', `${reserved}-${reserved}`, '--no-pid');
    expect(full.code).toBe(4);
    expect(full.stderr).toContain(`No free port in range ${reserved}-${reserved}`);
  });

  it('manages the daemon: status, a refused second start, stop', async () => {
    const { run } = cliHome();
    const started = await run('daemon');
    expect(started.code).toBe(0);
    expect(started.stderr).toMatch(/portkeeper daemon started \(pid \d+/);
    const status = JSON.parse((await run('daemon', 'status', '--json')).stdout);
    expect(status).toMatchObject({ schemaVersion: 1, running: true, pid: expect.any(Number), protocol: 1 });
    const second = await run('daemon');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`already running (pid ${status.pid})`);
    const stopped = await run('daemon', 'stop');
    expect(stopped).toMatchObject({ code: 0 });
    expect(stopped.stderr).toContain(`stopped (pid ${status.pid})`);
    expect((await run('daemon', 'status')).code).toBe(3);
  });
});
