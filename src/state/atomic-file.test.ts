import { existsSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import { createAtomicFile } from './atomic-file.js';

describe('createAtomicFile', () => {
  it('writes 0600 and replaces the whole file', async () => {
    const dir = useTempDir();
    const file = createAtomicFile(join(dir, 'state.json'));
    await file.write('first');
    await file.write('second');
    expect(await file.read()).toBe('second');
    expect(statSync(join(dir, 'state.json')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, '.state.json.tmp'))).toBe(false);
  });

  it('never follows a symlink planted at the temp path', async () => {
    const dir = useTempDir();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, join(dir, '.state.json.tmp'));
    await createAtomicFile(join(dir, 'state.json')).write('state');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('state');
  });

  it('does not read the state through a symlink', async () => {
    const dir = useTempDir();
    writeFileSync(join(dir, 'elsewhere.json'), '{}');
    symlinkSync(join(dir, 'elsewhere.json'), join(dir, 'state.json'));
    await expect(createAtomicFile(join(dir, 'state.json')).read()).rejects.toMatchObject({ code: 'ELOOP' });
  });

  it('replaces a symlink at the name itself, never writing through it', async () => {
    const dir = useTempDir();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'untouched', { mode: 0o640 });
    symlinkSync(victim, join(dir, 'state.json.bak'));
    await createAtomicFile(join(dir, 'state.json.bak')).write('copy');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(statSync(victim).mode & 0o777).toBe(0o640);
    expect(lstatSync(join(dir, 'state.json.bak')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'state.json.bak'), 'utf8')).toBe('copy');
  });
});
