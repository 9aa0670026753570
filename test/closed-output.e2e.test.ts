import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, cliEnv, clientFor, startTestDaemon } from './helpers/daemon.js';
import { runProcess } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * `ports doctor | head -1` and friends: a reader that goes away early ends the command with exit
 * 0 and nothing on stderr, never a `write EPIPE` trace.
 */
async function daemonWithAllocations(count: number) {
  const dir = useTempDir();
  const daemon = await startTestDaemon(dir, { health_monitoring: { check_interval_ms: 600_000 } });
  const client = await clientFor(daemon.socketPath);
  for (let i = 0; i < count; i++) await client.allocate({ pid: null, service: `svc-${i}`, range: { start: 26000, end: 29999 } });
  return cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
}

/** Run `ports ARGS` with a stdout whose reader is gone before the first byte is written. */
function runWithClosedStdout(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ports ${args.join(' ')} did not stop within 20 s`));
    }, 20_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** `bash -c 'set -o pipefail; ports ARGS | head -1'`: a real pipeline, and its status. */
function pipeToHead(args: string[], env: NodeJS.ProcessEnv) {
  return runProcess('bash', ['-c', 'set -o pipefail; "$@" | head -1', 'bash', process.execPath, BIN, ...args], { env });
}

describe('a stdout closed early', () => {
  it.each([['status'], ['status', '--json'], ['doctor'], ['events'], ['env'], ['metrics'], ['get', 'svc-1'], ['--help'], ['status', '--help']])(
    'ports %s exits 0 quietly',
    async (...args) => {
      const env = await daemonWithAllocations(3);
      const result = await runWithClosedStdout(args, env);
      expect(result).toEqual({ code: 0, signal: null, stderr: '' });
    },
  );

  it('ends `ports status --all | head -1` under pipefail with status 0, after more output than a pipe holds', async () => {
    // ~1,500 lines of ~60 bytes: more than the 64 KiB a pipe buffers, so the writer meets EPIPE for sure.
    const env = await daemonWithAllocations(1500);
    const result = await pipeToHead(['status', '--all'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\tsvc-\d+\t/);
  }, 60_000);

  it('does not stop a command whose stderr is closed: it finishes its work', async () => {
    const env = await daemonWithAllocations(0);
    const child = spawn(process.execPath, [BIN, 'allocate', 'quiet-one', '--no-pid'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.destroy();
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\n$/);
  });
});
