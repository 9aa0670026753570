import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** A tmpfs of `size` (e.g. "128k") in `dir`, unmounted when the test ends; null (reason printed) where this machine cannot mount one. */
export function tinyDisk(dir: string, size: string): string | null {
  if (process.getuid?.() !== 0) {
    console.log('skipping a full-disk test: mounting a tmpfs needs root; src/state/store.test.ts covers the logic with injected errors');
    return null;
  }
  const mountPoint = join(dir, 'disk');
  mkdirSync(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', mountPoint], { stdio: 'ignore' });
  } catch (error) {
    console.log(`skipping a full-disk test: cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]}); src/state/store.test.ts covers the logic with injected errors`);
    return null;
  }
  onTestFinished(() => void spawnSync('umount', ['-l', mountPoint]));
  return mountPoint;
}
