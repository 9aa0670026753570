import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { readProcStat } from '../src/system/proc-stat.js';
import { pathsIn, startTestDaemon, waitFor } from './helpers/daemon.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * `ports allocate` in process, against a real daemon on a socket, with streams whose `isTTY`
 * says what a terminal would: stdout captured by `$(…)`, stderr on the terminal.
 */
async function allocate(socketPath: string, args: string[], stderrIsTTY: boolean) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['allocate', ...args], {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: stderrIsTTY },
    env: { PORTS_SOCKET: socketPath, PORTS_NO_AUTOSTART: '1' },
  });
  return { code, stdout, stderr };
}

/** A shell waiting in its `read` builtin (no child process to leave behind), as the owner of an allocation. */
async function startShell(): Promise<number> {
  const child = spawn('/bin/sh', ['-c', 'read line'], { stdio: ['pipe', 'ignore', 'ignore'] });
  onTestFinished(() => {
    child.stdin.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const pid = child.pid ?? 0;
  await waitFor(async () => (await readProcStat(pid))?.comm === 'sh', 'the shell to start');
  return pid;
}

describe('the grace-period hint of ports allocate (in process, real daemon)', () => {
  it("warns a shell owner on a terminal with the daemon's grace period; not without a terminal, nor for another owner", async () => {
    const dir = useTempDir();
    await startTestDaemon(dir, { health_monitoring: { startup_grace_ms: 12_000, check_interval_ms: 2000, max_failures: 3 } });
    const { socketPath } = pathsIn(dir);
    const shell = await startShell();

    const onTerminal = await allocate(socketPath, ['web', '--pid', String(shell)], true);
    expect(onTerminal.code).toBe(0);
    expect(onTerminal.stdout).toMatch(/^\d+\n$/);
    const port = onTerminal.stdout.trim();
    expect(onTerminal.stderr).toBe(
      `hint: if nothing listens on port ${port} within 12s (the start-up grace period), it is reclaimed about 18s from now, although this shell lives on. ` +
        'To keep it: ports run -- CMD, or allocate with --no-listen-check (kept while this shell lives) or --no-pid --ttl DUR.\n',
    );

    // The same allocation again (idempotent): said once already.
    expect(await allocate(socketPath, ['web', '--pid', String(shell)], true)).toEqual({ code: 0, stdout: `${port}\n`, stderr: '' });
    // stderr not a terminal: a script or CI log.
    expect(await allocate(socketPath, ['api', '--pid', String(shell)], false)).toMatchObject({ code: 0, stderr: '' });
    // The owner is not a shell (this test runner, a node process).
    expect(await allocate(socketPath, ['docs', '--pid', String(process.pid)], true)).toMatchObject({ code: 0, stderr: '' });
    // Kept while the shell lives: no trap.
    expect(await allocate(socketPath, ['db', '--pid', String(shell), '--no-listen-check'], true)).toMatchObject({ code: 0, stderr: '' });
    // --json: one object on stdout and no hint.
    const json = await allocate(socketPath, ['storybook', '--pid', String(shell), '--json'], true);
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toMatchObject({ schemaVersion: 1, allocation: { pid: shell } });
  });
});
