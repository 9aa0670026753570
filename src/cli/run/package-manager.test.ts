import { describe, expect, it } from 'vitest';
import { devScriptCommand, packageManagerOfField, packageManagerOfLockfile } from './package-manager.js';

describe('which package manager runs the scripts', () => {
  it.each([
    ['pnpm@9.1.0', 'pnpm'],
    ['yarn@4.2.2+sha512.abc', 'yarn'],
    ['npm@10.8.0', 'npm'],
    ['bun@1.1.0', 'bun'],
    ['deno@2', undefined],
    [42, undefined],
    [undefined, undefined],
  ])('the packageManager field %j names %j', (field, pm) => {
    expect(packageManagerOfField(field)).toBe(pm);
  });

  it.each([
    ['pnpm-lock.yaml', 'pnpm'],
    ['yarn.lock', 'yarn'],
    ['bun.lock', 'bun'],
    ['bun.lockb', 'bun'],
    ['package-lock.json', 'npm'],
    ['Cargo.lock', undefined],
  ])('the lockfile %s names %j', (file, pm) => {
    expect(packageManagerOfLockfile(file)).toBe(pm);
  });
});

describe('devScriptCommand', () => {
  it('runs the dev script with the package manager', () => {
    expect(devScriptCommand({ dir: '/p', manifest: { kind: 'ok', scripts: { dev: 'vite' } }, packageManager: 'pnpm' })).toEqual({ ok: true, argv: ['pnpm', 'run', 'dev'] });
  });

  it.each([
    [{ kind: 'missing' } as const, 'no command, and no package.json in /p to take a "dev" script from: name the command after --, e.g. ports run -- node server.js'],
    [{ kind: 'invalid', reason: 'not valid JSON: Unexpected end' } as const, 'no command, and package.json in /p cannot be read (not valid JSON: Unexpected end): fix it, or name the command after --, e.g. ports run -- node server.js'],
    [{ kind: 'ok', scripts: { start: 'vite' } } as const, 'no command, and package.json in /p has no "dev" script: add one ("scripts": { "dev": "vite" }), or name the command after --, e.g. ports run -- npm start'],
  ])('says what to write when there is no dev script (%j)', (manifest, message) => {
    expect(devScriptCommand({ dir: '/p', manifest, packageManager: 'npm' })).toEqual({ ok: false, message });
  });
});
