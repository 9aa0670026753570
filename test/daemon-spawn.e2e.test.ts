import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProcStat } from '../src/system/proc-stat.js';
import { cliEnv, pathsIn } from './helpers/daemon.js';
import { runCli, stopDaemonWhenDone } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * The background daemon, spawned the same way by `ports daemon start` and by autostart: in /, in a
 * session of its own, and when it cannot start, its reason reaches the user.
 */
function home(extra: NodeJS.ProcessEnv = {}) {
  const dir = useTempDir();
  const env = cliEnv(dir, extra);
  const pidFile = join(pathsIn(dir).stateDir, 'daemon.pid');
  stopDaemonWhenDone(dir, env);
  const daemonPid = (): number => (JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number }).pid;
  return { dir, env, daemonPid };
}

/** Where the process runs and which session it leads. */
function placement(pid: number): { cwd: string; session: number | undefined } {
  return { cwd: readlinkSync(`/proc/${pid}/cwd`), session: parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.session };
}

function badConfig(dir: string): string {
  const config = join(dir, 'bad.json');
  writeFileSync(config, JSON.stringify({ types: { dev: '3000-30x' } }));
  return config;
}

describe('the background daemon', () => {
  it('started by ports daemon start runs in / in a session of its own', async () => {
    const { env, daemonPid } = home();
    const started = await runCli(['daemon', 'start', '--json'], env);
    expect(started.code).toBe(0);
    const pid = (JSON.parse(started.stdout) as { pid: number }).pid;
    expect(pid).toBe(daemonPid());
    expect(placement(pid)).toEqual({ cwd: '/', session: pid });
  });

  it('autostarted by a client runs in / in a session of its own', async () => {
    const { env, daemonPid } = home();
    expect(await runCli(['allocate', 'web', '--no-pid'], env)).toMatchObject({ code: 0 });
    const pid = daemonPid();
    expect(placement(pid)).toEqual({ cwd: '/', session: pid });
  });

  it('that cannot start: ports daemon start prints its reason and exits with its code', async () => {
    const { dir, env } = home();
    const result = await runCli(['daemon', 'start', '--config', badConfig(dir)], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('types.dev: "3000-30x" is not a port range');
    expect(result.stderr).not.toContain('daemon started');
  });

  it('that cannot start: autostart keeps its reason in autostart.log and the client says it', async () => {
    const { dir, env } = home();
    const result = await runCli(['allocate', 'web'], { ...env, PORTS_CONFIG: badConfig(dir) });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^ports: The daemon failed to start: Invalid configuration .*\n {2}types\.dev: "3000-30x" is not a port range/);
    expect(readFileSync(join(dirname(pathsIn(dir).socketPath), 'autostart.log'), 'utf8')).toContain('types.dev: "3000-30x" is not a port range');
  });
});
