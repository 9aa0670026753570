/**
 * Which package manager runs this folder's scripts, for `ports run` without a command. Pure;
 * `project.ts` gathers the facts.
 */
import type { PackageManager, Project } from './manifest.js';

export type { PackageManager };

/** Lockfiles in the order they are looked for; the first one found in a folder decides. */
export const LOCKFILES: ReadonlyArray<readonly [file: string, pm: PackageManager]> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

/** The `packageManager` field of package.json (`pnpm@9.1.0`, `yarn@4.2.2+sha512.…`), when it names one we know. */
export function packageManagerOfField(field: unknown): PackageManager | undefined {
  if (typeof field !== 'string') return undefined;
  const name = field.split('@')[0];
  return name === 'npm' || name === 'pnpm' || name === 'yarn' || name === 'bun' ? name : undefined;
}

export function packageManagerOfLockfile(file: string): PackageManager | undefined {
  return LOCKFILES.find(([name]) => name === file)?.[1];
}

/** `pnpm run dev` and the like: the command that runs the `dev` script. */
export function devCommand(pm: PackageManager): string[] {
  return [pm, 'run', 'dev'];
}

/** `ports run` without a command: the `dev` script of this folder, or what to write instead. */
export function devScriptCommand(project: Project): { ok: true; argv: string[] } | { ok: false; message: string } {
  const { dir, manifest } = project;
  if (manifest.kind === 'missing') {
    return { ok: false, message: `no command, and no package.json in ${dir} to take a "dev" script from: name the command after --, e.g. ports run -- node server.js` };
  }
  if (manifest.kind === 'invalid') {
    return { ok: false, message: `no command, and package.json in ${dir} cannot be read (${manifest.reason}): fix it, or name the command after --, e.g. ports run -- node server.js` };
  }
  if (!Object.hasOwn(manifest.scripts, 'dev')) {
    return { ok: false, message: `no command, and package.json in ${dir} has no "dev" script: add one ("scripts": { "dev": "vite" }), or name the command after --, e.g. ports run -- npm start` };
  }
  return { ok: true, argv: devCommand(project.packageManager) };
}
