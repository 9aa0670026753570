import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { BIN, pathsIn, waitForExit } from './daemon.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  /** Working folder (default: this process's). */
  cwd?: string;
  timeoutMs?: number;
}

/** Run a program as a real process (no shell), collect its output, with a deadline. */
export function runProcess(file: string, args: string[], { env, cwd, timeoutMs = 20_000 }: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd !== undefined ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Run the built `bin/ports` as a real process (no shell), with a deadline. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000, cwd?: string): Promise<CliResult> {
  return runProcess(process.execPath, [BIN, ...args], { env, timeoutMs, ...(cwd !== undefined ? { cwd } : {}) });
}

/** When the test ends, stop the daemon the CLI autostarted in `dir` (if it did) and wait for it to exit. */
export function stopDaemonWhenDone(dir: string, env: NodeJS.ProcessEnv): void {
  onTestFinished(async () => {
    let pid = 0;
    try {
      pid = (JSON.parse(readFileSync(join(pathsIn(dir).stateDir, 'daemon.pid'), 'utf8')) as { pid: number }).pid;
    } catch {
      return;
    }
    await runCli(['daemon', 'stop'], env);
    await waitForExit(pid);
  });
}
