/**
 * Durable whole-file replacement: write a temp file beside the target (O_NOFOLLOW, 0600),
 * fsync it, rename it over the target, fsync the folder. After `write` resolves the new content
 * survives a crash; before, the old content is intact. Readers never see a half-written file.
 */
import { constants } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface TextFile {
  /** The content, or null when the file does not exist. */
  read(): Promise<string | null>;
  write(text: string): Promise<void>;
}

// A fresh file every time: whatever sits at the temp path (a planted symlink included) is
// unlinked first, and O_EXCL | O_NOFOLLOW refuse to follow or reuse anything put there since.
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** A file's text, or null when it does not exist; never followed through a symlink (ELOOP). */
export async function readIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export function createAtomicFile(path: string): TextFile {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.tmp`);
  return {
    read: () => readIfPresent(path),
    async write(text: string) {
      await unlink(temp).catch(() => undefined);
      const handle = await open(temp, WRITE_FLAGS, 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } catch (error) {
        await handle.close().catch(() => undefined);
        await unlink(temp).catch(() => undefined);
        throw error;
      }
      await handle.close();
      await rename(temp, path);
      const folder = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    },
  };
}
