/**
 * One daemon per state folder: proper-lockfile holds `daemon.lock`, `daemon.pid` names the holder.
 * A lock left by a daemon that was killed is taken over as soon as its pid is gone and the lock
 * has not been refreshed for a while (proper-lockfile refreshes it every second), instead of
 * waiting the full stale period.
 */
import { readFile, rmdir, stat, unlink } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { PortsError } from '../errors.js';
import type { StatePaths } from '../shared/paths.js';
import { pause } from '../shared/pause.js';
import { createAtomicFile } from '../state/atomic-file.js';
import { processEnded } from '../system/process-state.js';

const LOCK_UPDATE_MS = 1000;
const LOCK_STALE_MS = 10_000;
/** A lock not refreshed for this long, whose pid is gone, is abandoned. */
const ABANDONED_AFTER_MS = 1_500;

export interface PidFile {
  pid: number;
  startTime: number | null;
  socket: string;
  version: string;
  startedAt: string;
}

export interface InstanceLock {
  release(): Promise<void>;
}

export async function readPidFile(path: string): Promise<PidFile | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<PidFile>;
    return typeof parsed.pid === 'number' ? (parsed as PidFile) : null;
  } catch {
    return null;
  }
}

/** The pid of a live daemon holding these paths, or null. */
export async function runningDaemonPid(paths: StatePaths): Promise<number | null> {
  const record = await readPidFile(paths.pidFile);
  if (!record) return null;
  return processEnded(record.pid, record.startTime) ? null : record.pid;
}

async function lockAge(path: string): Promise<number | null> {
  const info = await stat(path).catch(() => null);
  return info ? Date.now() - info.mtimeMs : null;
}

export async function acquireInstanceLock(
  paths: StatePaths,
  record: PidFile,
  onCompromised: (error: Error) => void,
): Promise<InstanceLock> {
  const options = {
    lockfilePath: paths.lockFile,
    realpath: false,
    stale: LOCK_STALE_MS,
    update: LOCK_UPDATE_MS,
    onCompromised,
  };
  const deadline = Date.now() + LOCK_STALE_MS + 2000;
  for (;;) {
    try {
      const unlock = await lockfile.lock(paths.dir, options);
      await createAtomicFile(paths.pidFile).write(`${JSON.stringify(record)}\n`);
      return {
        async release() {
          await unlink(paths.pidFile).catch(() => undefined);
          await unlock().catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new PortsError('E_STATE', `Cannot lock the state folder ${paths.dir}: ${(error as Error).message}`, { path: paths.dir }, { cause: error });
      }
      const pid = await runningDaemonPid(paths);
      if (pid !== null) {
        throw new PortsError('E_ALREADY_RUNNING', `portkeeper daemon already running (pid ${pid})`, { pid, stateDir: paths.dir });
      }
      if (Date.now() > deadline) {
        throw new PortsError('E_STATE', `The state folder ${paths.dir} stays locked (${paths.lockFile}) though no daemon runs; remove that folder if no daemon is running`, { path: paths.lockFile });
      }
      const age = await lockAge(paths.lockFile);
      if (age !== null && age > ABANDONED_AFTER_MS) {
        // Its holder is dead and stopped refreshing it: abandoned.
        await rmdir(paths.lockFile).catch(() => undefined);
        continue;
      }
      await pause(250);
    }
  }
}
