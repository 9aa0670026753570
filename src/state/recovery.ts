import { constants } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { createAtomicFile } from './atomic-file.js';
import { isPortsError } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { parseStateText } from './store.js';
import type { StateFile } from './schema.js';

/**
 * Start-up recovery of state.json. A file that cannot be trusted (truncated, not JSON, wrong
 * schema, a future schemaVersion, a port held twice, impossible values) is kept aside as
 * `state.json.corrupt-<time>`, the last good copy (`state.json.bak`) is used instead — or an
 * empty state when there is none — and a report is written to `last-recovery.json` for
 * `ports doctor`. The daemon never refuses to start, and so never crash-loops, over its state.
 */
export interface RecoveryReport {
  at: string;
  /** Why state.json was not used. */
  reason: string;
  /** Where the bad file now is. */
  keptAs: string;
  /** What the daemon started from. */
  restoredFrom: 'backup' | 'empty';
  allocations: number;
}

export interface StateFiles {
  stateFile: string;
  backupFile: string;
  recoveryFile: string;
}

export function stateFiles(stateFile: string): StateFiles {
  return { stateFile, backupFile: `${stateFile}.bak`, recoveryFile: `${stateFile.replace(/state\.json$/, '')}last-recovery.json` };
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function tryParse(text: string, source: string): { ok: true; state: StateFile } | { ok: false; reason: string } {
  try {
    return { ok: true, state: parseStateText(text, source) };
  } catch (error) {
    if (isPortsError(error)) return { ok: false, reason: error.message };
    throw error;
  }
}

export interface RecoveredState {
  /** The text to start from (null: no state yet). */
  text: string | null;
  recovery: RecoveryReport | null;
}

/** Decide what state to start from, moving a bad state.json aside. */
export async function recoverState(files: StateFiles, clock: Clock): Promise<RecoveredState> {
  let text: string | null = null;
  let parsed: ReturnType<typeof tryParse>;
  try {
    text = await readText(files.stateFile);
    if (text === null) return { text: null, recovery: null };
    parsed = tryParse(text, files.stateFile);
  } catch (error) {
    // Unreadable (a folder, a symlink — never followed —, no permission): moved aside like a bad file.
    const code = (error as NodeJS.ErrnoException).code;
    parsed = {
      ok: false,
      reason: code === 'ELOOP' ? `${files.stateFile} is a symbolic link; portkeeper does not follow links for its state` : `${files.stateFile} cannot be read (${code ?? (error as Error).message})`,
    };
  }
  if (parsed.ok) return { text, recovery: null };

  const at = new Date(clock.now()).toISOString();
  const keptAs = `${files.stateFile}.corrupt-${at.replace(/[:.]/g, '-')}`;
  await rename(files.stateFile, keptAs);
  // A backup that cannot be read is no backup.
  const backup = await readText(files.backupFile).catch(() => null);
  const fromBackup = backup !== null ? tryParse(backup, files.backupFile) : null;
  const recovery: RecoveryReport = {
    at,
    reason: parsed.reason,
    keptAs,
    restoredFrom: fromBackup?.ok ? 'backup' : 'empty',
    allocations: fromBackup?.ok ? fromBackup.state.allocations.length : 0,
  };
  await createAtomicFile(files.recoveryFile).write(`${JSON.stringify(recovery, null, 2)}\n`);
  return { text: fromBackup?.ok ? backup : null, recovery };
}

/**
 * Refresh state.json.bak from state.json (always whole: it is only ever replaced by rename).
 * Neither file is followed through a symlink; no state.json yet means nothing to back up.
 */
export async function refreshBackup(files: StateFiles): Promise<void> {
  const text = await readText(files.stateFile);
  if (text === null) return;
  await createAtomicFile(files.backupFile).write(text);
}

export async function readLastRecovery(files: StateFiles): Promise<RecoveryReport | null> {
  const text = await readText(files.recoveryFile).catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as RecoveryReport;
  } catch {
    return null;
  }
}
