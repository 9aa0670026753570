/**
 * The unit files of `ports service` on disk: where systemd --user reads them, what is there now,
 * writing them (0644, replaced whole) and removing only those `ports service install` wrote.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, readlink, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isOurUnit } from './service-units.js';

export interface UnitFile {
  name: string;
  path: string;
  /** Its text, or null when there is no regular file (absent, or a symlink: not ours to touch). */
  text: string | null;
  present: boolean;
  /** Written by `ports service install` (its marker is the first line). */
  ours: boolean;
}

/** `$XDG_CONFIG_HOME/systemd/user` (default ~/.config/systemd/user). */
export function userUnitDir(env: NodeJS.ProcessEnv, home: string): string {
  return join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'systemd', 'user');
}

export async function readUnitFile(dir: string, name: string): Promise<UnitFile> {
  const path = join(dir, name);
  const info = await lstat(path).catch(() => null);
  if (!info) return { name, path, text: null, present: false, ours: false };
  if (!info.isFile()) return { name, path, text: null, present: true, ours: false };
  const text = await readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW });
  return { name, path, text, present: true, ours: isOurUnit(text) };
}

const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Write `text` to `path` (mode 0644, creating the folder): a temp file renamed over it, so a reader never sees half a unit. */
export async function writeUnitFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const temp = join(dirname(path), `.${basename(path)}.tmp`);
  await unlink(temp).catch(() => undefined);
  const handle = await open(temp, WRITE_FLAGS, 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.chmod(0o644);
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

export async function removeUnitFile(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * The `sockets.target.wants/` link `systemctl enable` made to our socket unit, removed when
 * systemctl cannot do it (no user manager): only a symlink that points at `unitPath`.
 */
export async function removeWantsLink(dir: string, unitPath: string): Promise<boolean> {
  const link = join(dir, 'sockets.target.wants', basename(unitPath));
  const target = await readlink(link).catch(() => null);
  if (target === null || resolve(dirname(link), target) !== unitPath) return false;
  await unlink(link);
  return true;
}
