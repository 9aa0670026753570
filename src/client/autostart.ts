/**
 * Start the daemon in the background for a client that found none. Many clients may find none
 * at once (parallel test workers): an `autostart.lock` beside the socket lets one of them spawn
 * the daemon while the others only wait for it to answer.
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { spawnDaemon } from './spawn-daemon.js';

export interface AutostartAttempt {
  spawned: boolean;
  /** The spawned daemon's exit code once it has exited (it should not, while starting). */
  exitCode(): number | null;
  /** What the daemon printed on stderr while starting (why it failed), best effort. */
  startErrors(): Promise<string>;
  releaseLock(): Promise<void>;
}

const LOCK_STALE_MS = 15_000;

export async function spawnDaemonOnce(socketPath: string, env: NodeJS.ProcessEnv): Promise<AutostartAttempt> {
  const dir = dirname(socketPath);
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch(() => undefined);
  const lockPath = join(dir, 'autostart.lock');
  const releaseLock = async (): Promise<void> => {
    await unlink(lockPath).catch(() => undefined);
  };
  try {
    const handle = await open(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    await handle.writeFile(String(process.pid));
    await handle.close();
  } catch {
    const info = await stat(lockPath).catch(() => null);
    if (info && Date.now() - info.mtimeMs < LOCK_STALE_MS) return { spawned: false, exitCode: () => null, startErrors: async () => '', releaseLock: async () => undefined };
    await releaseLock();
    return spawnDaemonOnce(socketPath, env);
  }
  // The daemon's start-up errors (before its log exists) land in autostart.log beside the socket.
  const errorLog = join(dir, 'autostart.log');
  const errors = await open(errorLog, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  const daemon = spawnDaemon({ env: { ...env, PORTS_SOCKET: socketPath }, stderr: errors.fd });
  await errors.close();
  const startErrors = async (): Promise<string> => (await readFile(errorLog, 'utf8').catch(() => '')).trim();
  return { spawned: true, exitCode: daemon.exitCode, startErrors, releaseLock };
}
