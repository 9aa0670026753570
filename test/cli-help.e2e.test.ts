import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliEnv, pathsIn, waitForExit } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/** A temp home where no daemon runs and none may be started: parse errors and help need none. */
function quietHome(extra: NodeJS.ProcessEnv = {}) {
  const dir = useTempDir();
  const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1', ...extra });
  // Should a bug start a daemon after all, it does not outlive the test.
  onTestFinished(async () => {
    let pid = 0;
    try {
      pid = (JSON.parse(readFileSync(join(pathsIn(dir).stateDir, 'daemon.pid'), 'utf8')) as { pid: number }).pid;
    } catch {
      return;
    }
    process.kill(pid, 'SIGTERM');
    await waitForExit(pid);
  });
  return { dir, env, run: (...args: string[]) => runCli(args, env) };
}

describe('PORTS_NO_AUTOSTART (built bin/ports)', () => {
  it.each(['true', 'YES', 'on'])('=%s turns autostart off: exit 3, and no daemon is started', async (value) => {
    const { dir, run } = quietHome({ PORTS_NO_AUTOSTART: value });
    const result = await run('status');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^ports: No daemon is running on .*ports\.sock/);
    const { socketPath, stateDir } = pathsIn(dir);
    // Autostart would have left its lock or log beside the socket, and a daemon its state folder.
    expect(existsSync(dirname(socketPath)) ? readdirSync(dirname(socketPath)) : []).toEqual([]);
    expect(existsSync(stateDir)).toBe(false);
  });
});
