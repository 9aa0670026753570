/** The package managers `ports run` can run a script with. */
export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** A folder's package.json as far as `ports run` needs it (read by project.ts). */
export type Manifest =
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; scripts: Record<string, string> };

/** What `ports run` without a command needs to know about its folder. */
export interface Project {
  dir: string;
  manifest: Manifest;
  packageManager: PackageManager;
}

/** The scripts of `dir`'s package.json (only string values; anything else is not a script). */
export function scriptsOf(manifest: Manifest): Record<string, string> {
  return manifest.kind === 'ok' ? manifest.scripts : {};
}
