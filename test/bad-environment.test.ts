import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startDaemon } from '../src/daemon/daemon.js';
import { createSilentLogger } from '../src/daemon/logger.js';
import { BIN, cliEnv, clientFor, testConfig } from './helpers/daemon.js';
import { useTempDir } from './helpers/temp-dir.js';

/** `ports daemon --foreground` that is expected to refuse to start: its exit code and message. */
function startFails(dir: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  const result = spawnSync(process.execPath, [BIN, 'daemon', '--foreground', ...args], { env: cliEnv(dir, env), encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stderr: result.stderr };
}

const isRoot = process.getuid?.() === 0;

describe('bad config and environment', () => {
  it('refuses an invalid config file, naming the key, the value and what was expected', () => {
    const dir = useTempDir();
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ health_monitoring: { max_failures: 0 }, types: { dev: '3000-30x' } }));
    const result = startFails(dir, { PORTS_CONFIG: config });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/health_monitoring\.max_failures: .*>=1.*\(got 0\)/);
    expect(result.stderr).toContain('types.dev: "3000-30x" is not a port range');
  });

  it('refuses a state folder that cannot be created', () => {
    const dir = useTempDir();
    writeFileSync(join(dir, 'a-file'), '');
    const result = startFails(dir, { PORTS_STATE_DIR: join(dir, 'a-file', 'state') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Cannot create folder .*a-file\/state/);
  });

  it('refuses a socket path that is too long', () => {
    const dir = useTempDir();
    const result = startFails(dir, { PORTS_SOCKET: join(dir, 'y'.repeat(100), 'ports.sock') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Socket path is \d+ bytes; Unix sockets allow at most 107/);
  });

  it('refuses a world-writable socket folder, with the fix in the message', () => {
    const dir = useTempDir();
    mkdirSync(join(dir, 'run'));
    chmodSync(join(dir, 'run'), 0o777);
    const result = startFails(dir, {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Folder ${join(dir, 'run')} has mode 777`);
    expect(result.stderr).toContain(`chmod 700 ${join(dir, 'run')}`);
  });

  it.skipIf(!isRoot)('refuses a socket folder owned by another user (needs root to chown; skipped otherwise)', () => {
    const dir = useTempDir();
    mkdirSync(join(dir, 'run'), { mode: 0o700 });
    chownSync(join(dir, 'run'), 65534, 65534);
    const result = startFails(dir, {});
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is owned by uid 65534, not by you/);
  });
});

/** A 64 KiB tmpfs, or null (with the reason printed) where this machine cannot mount one. */
function tinyDisk(dir: string): string | null {
  const mountPoint = join(dir, 'disk');
  mkdirSync(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mountPoint], { stdio: 'ignore' });
  } catch (error) {
    console.log(`skipping the full-disk test: cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]}); the injected-error test in src/state/store.test.ts covers the logic`);
    return null;
  }
  onTestFinished(() => void spawnSync('umount', ['-l', mountPoint]));
  return mountPoint;
}

describe('a full disk', () => {
  it('answers a write that fails with E_STATE, acknowledges nothing unwritten, and recovers', async () => {
    const dir = useTempDir();
    const disk = isRoot ? tinyDisk(dir) : null;
    if (disk === null) {
      if (!isRoot) console.log('skipping the full-disk test: mounting a tmpfs needs root');
      return;
    }
    const daemon = await startDaemon({
      config: testConfig(),
      socketPath: join(dir, 'run', 'ports.sock'),
      stateDir: join(disk, 'state'),
      foreground: false,
      logger: createSilentLogger(),
    });
    onTestFinished(() => daemon.close());
    const client = await clientFor(daemon.socketPath);
    const acknowledged: number[] = [];
    let failure: unknown = null;
    for (let i = 0; i < 2000 && failure === null; i++) {
      try {
        acknowledged.push((await client.allocate({ pid: null, service: `fill-${i}`, range: { start: 15000, end: 24999 } })).allocation.port);
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toMatchObject({ code: 'E_STATE', message: expect.stringMatching(/Could not write the state file .*ENOSPC|no space/i) });
    // Memory went back to what is on disk: exactly the acknowledged allocations.
    const onDisk = JSON.parse(readFileSync(daemon.paths.stateFile, 'utf8')).allocations.map((a: { port: number }) => a.port);
    expect(onDisk).toEqual(acknowledged);
    expect((await client.status()).allocations.map((a) => a.port)).toEqual([...acknowledged].sort((a, b) => a - b));
    // Freeing space (a release is a smaller file) lets writes succeed again.
    await client.release({ ports: acknowledged.slice(0, acknowledged.length / 2) });
    expect((await client.allocate({ pid: null, service: 'after-space-freed' })).allocation.service).toBe('after-space-freed');
  });
});
