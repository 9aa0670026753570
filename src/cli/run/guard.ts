/**
 * The guard: what stops the command of `ports run` when `ports run` itself dies without a
 * chance to do so (SIGKILL, alone or with its process group, as Playwright's `webServer`, CI
 * runners and supervisors do). Thin I/O.
 *
 * Off a terminal the command runs in a process group of its own, so that forwarded signals
 * reach its whole tree (npm → sh → node); the price is that a SIGKILL sent to the group of
 * `ports run` does not reach it. The guard closes that gap: a `/bin/sh` (no second Node) in a
 * session and process group of its own, holding the read end of a pipe whose write end only
 * `ports run` has. It blocks in `read`, which costs nothing. When `ports run` ends normally it
 * writes "done" first and the guard exits. When the pipe reaches end-of-file without "done",
 * `ports run` is dead: the guard sends SIGTERM to the command's process group and SIGKILL
 * after GUARD_GRACE_S seconds if any of it is still there, then exits.
 *
 * - The guard is started right after the command, so the command cannot inherit the pipe (and
 *   Node opens every pipe close-on-exec, so no later child could either). Only `ports run`
 *   holds the write end, so end-of-file means exactly "ports run is gone".
 * - The process group id is passed as the positional argument `$1`; nothing is spliced into the
 *   script text, and the script refuses anything but digits.
 * - Its own session keeps it out of every group signal aimed at `ports run` or at the command,
 *   and away from the terminal (stdout and stderr go nowhere; it runs in `/`, holding no folder).
 * - If `/bin/sh` cannot be started, `ports run` works as before, without the guard.
 *
 * On a terminal there is no guard: the command shares the process group of `ports run`, so a
 * group kill reaches it directly.
 */
import { spawn } from 'node:child_process';

export const GUARD_GRACE_S = 5;

/** `$1` is the process group to stop. Ten sleeps of 0.1 s make a second; `sleep 1` where fractions fail. */
export const GUARD_SCRIPT = `case "$1" in ''|*[!0-9]*) exit 2;; esac
IFS= read -r line
[ "$line" = done ] && exit 0
kill -TERM "-$1" 2>/dev/null || exit 0
ticks=0
while [ "$ticks" -lt ${GUARD_GRACE_S * 10} ]; do
  if sleep 0.1 2>/dev/null; then ticks=$((ticks + 1)); else sleep 1; ticks=$((ticks + 10)); fi
  kill -0 "-$1" 2>/dev/null || exit 0
done
kill -KILL "-$1" 2>/dev/null
exit 0
`;

export interface Guard {
  /** Tell the guard the command has ended normally; it exits. Idempotent. */
  disarm(): Promise<void>;
}

/** Start a guard for the process group `pgid`, or null where none can run (Windows, no /bin/sh). */
export function startGuard(pgid: number, shell = '/bin/sh'): Guard | null {
  if (process.platform === 'win32') return null;
  let child;
  try {
    child = spawn(shell, ['-c', GUARD_SCRIPT, 'ports-run-guard', String(pgid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      cwd: '/',
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    });
  } catch {
    return null;
  }
  const stdin = child.stdin;
  // A guard that failed to start, or died, only costs the protection; it never stops `ports run`.
  child.once('error', () => undefined);
  stdin?.on('error', () => undefined);
  // Neither the guard nor its pipe keeps `ports run` alive.
  child.unref();
  (stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let disarmed: Promise<void> | null = null;
  return {
    disarm() {
      disarmed ??= new Promise<void>((resolve) => {
        if (stdin === null || stdin.destroyed) return resolve();
        stdin.end('done\n', () => resolve());
        stdin.once('error', () => resolve());
      });
      return disarmed;
    },
  };
}
