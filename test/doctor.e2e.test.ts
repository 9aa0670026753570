import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { cliEnv, pathsIn, waitForExit } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
}

it('ports doctor reports paths, config, the daemon, stale allocations and the last recovery', async () => {
  const dir = useTempDir();
  const env = cliEnv(dir);
  const stateDir = pathsIn(dir).stateDir;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(stateDir, 'state.json'), 'not json at all');
  onTestFinished(async () => {
    const pid = (JSON.parse(readFileSync(join(stateDir, 'daemon.pid'), 'utf8')) as { pid: number }).pid;
    await runCli(['daemon', 'stop'], env);
    await waitForExit(pid);
  });
  await runCli(['allocate', 'gone', '--pid', String(process.pid), '--no-listen-check'], env);
  // A reservation with a lease in the past shows up as stale.
  await runCli(['allocate', 'short', '--no-pid', '--ttl', '1s'], env);
  await new Promise((resolve) => setTimeout(resolve, 1100));

  const report = await runCli(['doctor', '--json'], env);
  expect(report.code).toBe(0);
  const { ok, checks } = JSON.parse(report.stdout) as { ok: boolean; checks: Check[] };
  const byName = Object.fromEntries(checks.map((check) => [check.name, check]));
  expect(ok).toBe(true);
  expect(byName['config']).toMatchObject({ status: 'ok' });
  expect(byName['socket folder']).toMatchObject({ status: 'ok', message: expect.stringContaining('mode 700') });
  expect(byName['state file']).toMatchObject({ status: 'ok', message: expect.stringContaining('mode 600') });
  expect(byName['daemon']).toMatchObject({ status: 'ok', message: expect.stringMatching(/running, pid \d+/) });
  expect(byName['last recovery']).toMatchObject({ status: 'warn', message: expect.stringMatching(/is not valid JSON; kept .*state\.json\.corrupt-.*; started from an empty state/) });
  expect(byName['stale allocations']).toMatchObject({ status: 'warn', message: expect.stringContaining('expired') });
  expect(byName['ephemeral range']?.status).toMatch(/ok|warn/);

  chmodSync(stateDir, 0o777);
  const failing = await runCli(['doctor'], env);
  expect(failing.code).toBe(1);
  expect(failing.stdout).toMatch(/FAIL {2}state folder: .* has mode 777; run: chmod 700/);
  chmodSync(stateDir, 0o700);
});
