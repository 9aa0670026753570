/**
 * The files the daemon writes in its state folder, and the rule for all of them: nothing is ever
 * written through a symbolic link. Files appended to (daemon.log, audit.log, the journal) are
 * opened O_NOFOLLOW; files replaced whole (state.json.bak, last-recovery.json, daemon.pid) are
 * written to a fresh temp file and renamed over the name, which replaces a link rather than
 * following it. At start a link at any of these names is refused with `linkRefusal`, so a planted
 * link never silently turns the log or the audit trail off. state.json is the exception: a link
 * there is moved aside by start-up recovery (see src/state/load.ts).
 */
import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { PortsError } from '../errors.js';
import type { StatePaths } from '../shared/paths.js';
import { stateFiles } from '../state/recovery.js';
import { SEGMENTS } from '../state/storage.js';

export interface OwnFile {
  /** What doctor calls it. */
  name: string;
  path: string;
}

/** The message for a symlink where one of portkeeper's files should be (the daemon and doctor say the same). */
export function linkRefusal(path: string): string {
  return `${path} is a symbolic link; portkeeper does not write through links: remove it`;
}

export function notRegularRefusal(path: string): string {
  return `${path} is not a regular file; portkeeper writes to it: remove it`;
}

/** Every file the daemon writes in the state folder except state.json (see above), and the lock folder. */
export function ownFiles(paths: StatePaths): OwnFile[] {
  const { backupFile, recoveryFile } = stateFiles(paths.stateFile);
  return [
    { name: 'state journal', path: paths.journalFile },
    ...SEGMENTS.filter((segment) => segment !== 'state.journal').map((segment) => ({ name: `state journal (${segment})`, path: join(paths.dir, segment) })),
    { name: 'state backup', path: backupFile },
    { name: 'recovery report', path: recoveryFile },
    { name: 'audit log', path: paths.auditLog },
    { name: 'daemon log', path: paths.daemonLog },
    { name: 'pid file', path: paths.pidFile },
    { name: 'lock', path: paths.lockFile },
  ];
}

/** Refuse to start when any of `files` is a symbolic link (absent files are fine). */
export async function refuseLinks(files: readonly OwnFile[]): Promise<void> {
  for (const file of files) {
    const info = await lstat(file.path).catch(() => null);
    if (info?.isSymbolicLink()) throw new PortsError('E_PATH', linkRefusal(file.path), { path: file.path });
  }
}

// O_NONBLOCK: a FIFO planted at the name must not hang the open; it is refused below.
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Open (creating 0600) a file to append to, never through a symlink and only when it is a regular
 * file. Throws E_PATH naming the path and what to do.
 */
export function openAppendFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, APPEND_FLAGS, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP is O_NOFOLLOW's answer for a link; ENXIO a FIFO without a reader.
    if (code === 'ELOOP' && lstatIsLink(path)) throw new PortsError('E_PATH', linkRefusal(path), { path }, { cause: error });
    if (code === 'ENXIO') throw new PortsError('E_PATH', notRegularRefusal(path), { path }, { cause: error });
    throw new PortsError('E_PATH', `Cannot open ${path} for writing: ${(error as Error).message}`, { path }, { cause: error });
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new PortsError('E_PATH', notRegularRefusal(path), { path });
  }
  return fd;
}

function lstatIsLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
