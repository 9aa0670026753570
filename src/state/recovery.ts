/**
 * The files around the state that the daemon keeps for recovery: `state.json.bak`, the last good
 * copy of the snapshot (start-up falls back to it when state.json cannot be used, see load.ts),
 * and `last-recovery.json`, the report of the last start-up that had to recover, which
 * `ports doctor` shows.
 */
import { createAtomicFile, readIfPresent } from './atomic-file.js';
import type { RecoveryReport } from './load.js';

export type { RecoveryReport };

export interface StateFiles {
  stateFile: string;
  backupFile: string;
  recoveryFile: string;
}

export function stateFiles(stateFile: string): StateFiles {
  return { stateFile, backupFile: `${stateFile}.bak`, recoveryFile: `${stateFile.replace(/state\.json$/, '')}last-recovery.json` };
}

/**
 * Refresh state.json.bak from state.json (always whole: it is only ever replaced by rename).
 * Neither file is followed through a symlink; no state.json yet means nothing to back up.
 */
export async function refreshBackup(files: StateFiles): Promise<void> {
  const text = await readIfPresent(files.stateFile);
  if (text === null) return;
  await createAtomicFile(files.backupFile).write(text);
}

export async function writeRecoveryReport(files: StateFiles, report: RecoveryReport): Promise<void> {
  await createAtomicFile(files.recoveryFile).write(`${JSON.stringify(report, null, 2)}\n`);
}

/** The last report; `keptAs` is a list (reports written before the journal held one path). */
export async function readLastRecovery(files: StateFiles): Promise<RecoveryReport | null> {
  const text = await readIfPresent(files.recoveryFile).catch(() => null);
  if (text === null) return null;
  try {
    const report = JSON.parse(text) as RecoveryReport & { keptAs: string[] | string };
    return { ...report, keptAs: typeof report.keptAs === 'string' ? [report.keptAs] : (report.keptAs ?? []) };
  } catch {
    return null;
  }
}
