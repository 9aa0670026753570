import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/helpers/temp-dir.js';
import { findPackageManager, readManifest } from './project.js';

/** A folder tree under a temp dir: `{ 'a/package.json': '{}' }`; the root holds `.git`, so nothing above it counts. */
function tree(files: Record<string, string>): string {
  const root = useTempDir();
  mkdirSync(join(root, '.git'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('readManifest and findPackageManager', () => {
  it('reads the scripts of the folder (string values only)', async () => {
    const root = tree({ 'package.json': JSON.stringify({ scripts: { dev: 'vite', bad: 42 } }) });
    expect(await readManifest(root)).toEqual({ kind: 'ok', scripts: { dev: 'vite' } });
  });

  it('tells a missing package.json from one that is not JSON', async () => {
    expect(await readManifest(tree({}))).toEqual({ kind: 'missing' });
    const broken = await readManifest(tree({ 'package.json': '{ "scripts": ' }));
    expect(broken).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/^not valid JSON/) });
  });

  it('takes the package manager from the packageManager field before any lockfile', async () => {
    const root = tree({ 'package.json': JSON.stringify({ packageManager: 'pnpm@9.1.0' }), 'yarn.lock': '' });
    expect(await findPackageManager(root)).toBe('pnpm');
  });

  it.each([
    ['pnpm-lock.yaml', 'pnpm'],
    ['yarn.lock', 'yarn'],
    ['bun.lockb', 'bun'],
    ['package-lock.json', 'npm'],
  ])('takes it from %s', async (lockfile, pm) => {
    expect(await findPackageManager(tree({ 'package.json': '{}', [lockfile]: '' }))).toBe(pm);
  });

  it('finds the workspace root’s lockfile from a package folder', async () => {
    const root = tree({ 'pnpm-lock.yaml': '', 'packages/web/package.json': JSON.stringify({ scripts: { dev: 'vite' } }) });
    expect(await findPackageManager(join(root, 'packages', 'web'))).toBe('pnpm');
    expect(await readManifest(join(root, 'packages', 'web'))).toEqual({ kind: 'ok', scripts: { dev: 'vite' } });
  });

  it('stops at the repository root and falls back to npm', async () => {
    const outer = tree({ 'yarn.lock': '' });
    mkdirSync(join(outer, 'repo', '.git'), { recursive: true });
    writeFileSync(join(outer, 'repo', 'package.json'), '{}');
    expect(await findPackageManager(join(outer, 'repo'))).toBe('npm');
  });
});
