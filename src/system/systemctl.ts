/**
 * `systemctl --user …` run directly (execFile: no shell, arguments as given), found on the PATH
 * of `env`. Never throws: an absent systemctl or one that cannot reach a user manager (containers,
 * CI, a session without a user bus) is an outcome the callers report.
 */
import { execFile } from 'node:child_process';

export interface SystemctlResult {
  args: string[];
  /** Exit code; null when it could not be run or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** No systemctl on PATH (ENOENT). */
  missing: boolean;
}

export type Systemctl = (args: string[]) => Promise<SystemctlResult>;

const TIMEOUT_MS = 30_000;

export function createSystemctl(env: NodeJS.ProcessEnv): Systemctl {
  return (args) =>
    new Promise((resolve) => {
      const full = ['--user', ...args];
      execFile('systemctl', full, { env, timeout: TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        const missing = error !== null && error.code === 'ENOENT';
        resolve({ args: full, code, stdout, stderr: missing ? 'systemctl is not installed (not found on PATH)' : stderr, missing });
      });
    });
}

/** `systemctl --user ARGS` as a command line to show (arguments are plain words). */
export function systemctlLine(args: string[]): string {
  return ['systemctl', '--user', ...args].join(' ');
}
