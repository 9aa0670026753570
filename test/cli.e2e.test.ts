import { readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliEnv, pathsIn, waitForExit } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/** A temp home for the CLI; the daemon it autostarts is stopped when the test ends. */
function cliHome(extra: NodeJS.ProcessEnv = {}) {
  const dir = useTempDir();
  const env = cliEnv(dir, extra);
  onTestFinished(async () => {
    const pidFile = `${pathsIn(dir).stateDir}/daemon.pid`;
    let pid = 0;
    try {
      pid = (JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number }).pid;
    } catch {
      return;
    }
    await runCli(['daemon', 'stop'], env);
    await waitForExit(pid);
  });
  return { dir, env, run: (...args: string[]) => runCli(args, env) };
}

describe('ports CLI (built bin/ports)', () => {
  it('allocates (autostarting the daemon), shows status, releases', async () => {
    const { run } = cliHome();
    const allocated = await run('allocate', 'web');
    expect(allocated).toMatchObject({ code: 0, stdout: '3000\n' });

    const again = await run('allocate', 'web', '--no-pid');
    expect(again.code).toBe(0);

    const status = await run('status');
    expect(status.code).toBe(0);
    const lines = status.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    // Not a TTY: tab-separated, no header.
    expect(lines[0]?.split('\t').slice(0, 2)).toEqual(['3000', 'web']);

    const json = JSON.parse((await run('status', '--json')).stdout);
    expect(json).toMatchObject({ schemaVersion: 1, daemon: { protocol: 1 }, allocations: [{ port: 3000, service: 'web' }, { port: 3001, service: 'web', pid: null }] });

    const released = await run('release', '3000');
    expect(released).toMatchObject({ code: 0, stdout: '' });
    expect(released.stderr).toContain('released 3000 (web)');
  });

  it('prints one JSON object with --json on allocate and release', async () => {
    const { run } = cliHome();
    const allocated = JSON.parse((await run('allocate', 'api', '--no-pid', '--owner', 'job-7', '--json')).stdout);
    expect(allocated).toMatchObject({ schemaVersion: 1, port: 8000, existing: false, sticky: false, warnings: [], allocation: { service: 'api', type: 'api', pid: null, owner: 'job-7' } });
    const released = JSON.parse((await run('release', '--owner', 'job-7', '--json')).stdout);
    expect(released).toMatchObject({ schemaVersion: 1, released: [{ port: 8000 }], notFound: [] });
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
    expect((await run('allocate', 'a', '--port', '3050')).code).toBe(0);
    const conflict = await run('allocate', 'b', '--port', '3050');
    expect(conflict.code).toBe(6);
    expect(conflict.stderr).toContain('Port 3050 is allocated to a');
    expect((await run('allocate', '--range', '24500-24500', '--no-pid')).code).toBe(0);
    const full = await run('allocate', '--range', '24500-24500', '--no-pid');
    expect(full.code).toBe(4);
    expect(full.stderr).toContain('No free port in range 24500-24500');
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
