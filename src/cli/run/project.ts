import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Manifest } from './manifest.js';
import { packageManagerOfField, packageManagerOfLockfile, LOCKFILES, type PackageManager } from './package-manager.js';

/**
 * The folder `ports run` runs in, as far as the run needs it: its package.json scripts, and the
 * package manager (the `packageManager` field, else a lockfile, looked for in this folder and
 * then its parents up to the repository root, since a workspace package has both at the
 * workspace root; else npm). The search stops at a folder holding `.git`, so a stray lockfile
 * in the home folder does not decide for every project below it.
 * Thin I/O; the decisions are in package-manager.ts, launch.ts and inject.ts.
 */
async function readJson(file: string): Promise<{ found: false } | { found: true; value: unknown } | { found: true; error: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return { found: false };
    return { found: true, error: (error as Error).message };
  }
  try {
    return { found: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { found: true, error: `not valid JSON: ${(error as Error).message}` };
  }
}

/** `dir`'s package.json: its scripts, or why there are none. */
export async function readManifest(dir: string): Promise<Manifest> {
  const read = await readJson(join(dir, 'package.json'));
  if (!read.found) return { kind: 'missing' };
  if ('error' in read) return { kind: 'invalid', reason: read.error };
  const scripts: Record<string, string> = {};
  const raw = (read.value as { scripts?: unknown } | null)?.scripts;
  if (raw !== null && typeof raw === 'object') {
    for (const [name, text] of Object.entries(raw)) if (typeof text === 'string') scripts[name] = text;
  }
  return { kind: 'ok', scripts };
}

/** The package manager of the project `dir` belongs to (only needed to run the `dev` script: not read otherwise). */
export async function findPackageManager(start: string): Promise<PackageManager> {
  const exists = (path: string) => access(path).then(() => true, () => false);
  for (let dir = start; ; dir = dirname(dir)) {
    const read = await readJson(join(dir, 'package.json'));
    const fromField = read.found && 'value' in read ? packageManagerOfField((read.value as { packageManager?: unknown } | null)?.packageManager) : undefined;
    if (fromField) return fromField;
    // One stat per name rather than a listing: a parent may be a folder as big as /tmp.
    const found = await Promise.all(LOCKFILES.map(([file]) => exists(join(dir, file))));
    const lockfile = LOCKFILES.find((_, i) => found[i]);
    if (lockfile) return packageManagerOfLockfile(lockfile[0]) ?? 'npm';
    if ((await exists(join(dir, '.git'))) || dirname(dir) === dir) return 'npm';
  }
}
