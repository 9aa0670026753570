import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliEnv } from './helpers/daemon.js';
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
