import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliEnv, pathsIn, waitFor, waitForExit } from './helpers/daemon.js';
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
  const short = JSON.parse((await runCli(['allocate', 'short', '--no-pid', '--ttl', '1s', '--json'], env)).stdout) as { allocation: { expiresAt: string } };
  const expiresAt = Date.parse(short.allocation.expiresAt);
  await waitFor(() => Date.now() > expiresAt, 'the 1 s lease to pass its expiry', 5_000);

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
  expect(failing.stdout).toContain(`FAIL  state folder: Folder ${stateDir} has mode 777; it must not be writable by others. Run: chmod 700 ${stateDir}`);
  chmodSync(stateDir, 0o700);
});

describe('ports doctor and symbolic links', () => {
  // Mode 644 on the target: a doctor that followed the link would suggest `chmod 600` on it.
  it.each(['audit.log', 'daemon.log', 'state.json', 'state.journal', 'daemon.pid'])('fails a symlink at %s, without a chmod suggestion', async (name) => {
    const dir = useTempDir();
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    const { stateDir } = pathsIn(dir);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const target = join(dir, 'target');
    writeFileSync(target, 'untouched\n', { mode: 0o644 });
    symlinkSync(target, join(stateDir, name));

    const report = await runCli(['doctor', '--json'], env);
    expect(report.code).toBe(1);
    const { checks } = JSON.parse(report.stdout) as { checks: Check[] };
    const failed = checks.filter((check) => check.status === 'fail');
    expect(failed).toEqual([expect.objectContaining({ message: `${join(stateDir, name)} is a symbolic link; portkeeper does not write through links: remove it` })]);
    expect(report.stdout).not.toContain('chmod');
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
  });

  it('fails a state folder or socket folder that is a symlink, without a chmod suggestion', async () => {
    const dir = useTempDir();
    const real = join(dir, 'real');
    mkdirSync(join(real, 'state'), { recursive: true, mode: 0o755 });
    mkdirSync(join(real, 'run'), { mode: 0o755 });
    symlinkSync(join(real, 'state'), join(dir, 'state'));
    symlinkSync(join(real, 'run'), join(dir, 'run'));
    const report = await runCli(['doctor'], cliEnv(dir, { PORTS_NO_AUTOSTART: '1' }));
    expect(report.code).toBe(1);
    expect(report.stdout).toContain(`FAIL  state folder: ${join(dir, 'state')} is a symbolic link; portkeeper does not write through links: remove it`);
    expect(report.stdout).toContain(`FAIL  socket folder: ${join(dir, 'run')} is a symbolic link; portkeeper does not write through links: remove it`);
    expect(report.stdout).not.toContain('chmod');
  });
});
