import { chmodSync, lstatSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import { ensurePrivateDir, privateDirProblem } from './private-dir.js';

const uid = process.getuid?.();
const STATE = { allowGroupRead: true, uid };
const SOCKET = { allowGroupRead: false, uid };

/** A real folder with this mode (chmod after mkdir, so the umask does not change it). */
function folder(mode: number): string {
  const path = join(useTempDir(), 'dir');
  mkdirSync(path);
  chmodSync(path, mode);
  return path;
}

describe('privateDirProblem', () => {
  it.each([
    ['the state folder', 0o700, STATE],
    ['the state folder, readable by others', 0o755, STATE],
    ['the socket folder', 0o700, SOCKET],
  ])('accepts %s at mode %o', (_what, mode, options) => {
    const path = folder(mode);
    expect(privateDirProblem(path, lstatSync(path), options)).toBeNull();
  });

  it.each([
    ['the state folder', 0o777, STATE, 'writable'],
    ['the state folder', 0o720, STATE, 'writable'],
    ['the socket folder', 0o755, SOCKET, 'accessible'],
    ['the socket folder', 0o701, SOCKET, 'accessible'],
  ])('refuses %s at mode %o, with the chmod that fixes it', (_what, mode, options, word) => {
    const path = folder(mode);
    expect(privateDirProblem(path, lstatSync(path), options)).toEqual({
      message: `Folder ${path} has mode ${mode.toString(8)}; it must not be ${word} by others. Run: chmod 700 ${path}`,
      details: { path, mode: mode.toString(8) },
    });
  });

  it('refuses a symbolic link to a good folder, and a file', () => {
    const dir = useTempDir();
    const link = join(dir, 'link');
    symlinkSync(folder(0o700), link);
    const file = join(dir, 'file');
    writeFileSync(file, '');
    for (const path of [link, file]) {
      expect(privateDirProblem(path, lstatSync(path), STATE)).toEqual({ message: `${path} must be a folder, not a symlink or file`, details: { path } });
    }
  });

  it('refuses a folder another user owns', () => {
    const path = folder(0o700);
    const owner = lstatSync(path).uid;
    expect(privateDirProblem(path, lstatSync(path), { allowGroupRead: true, uid: owner + 1 })).toEqual({
      message:
        `Folder ${path} is owned by uid ${owner}, not by you (uid ${owner + 1}); another user may have created it. ` +
        'Remove it or point PORTS_SOCKET / PORTS_STATE_DIR elsewhere.',
      details: { path, owner, uid: owner + 1 },
    });
  });
});

describe('ensurePrivateDir', () => {
  it('creates a missing folder, and its parents, mode 700', async () => {
    const path = join(useTempDir(), 'a', 'b');
    await ensurePrivateDir(path, { allowGroupRead: false });
    expect(statSync(path).isDirectory()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o700);
  });

  it('refuses with E_PATH the problem privateDirProblem finds, and leaves the folder as it was', async () => {
    const path = folder(0o777);
    await expect(ensurePrivateDir(path, { allowGroupRead: true })).rejects.toMatchObject({
      code: 'E_PATH',
      message: `Folder ${path} has mode 777; it must not be writable by others. Run: chmod 700 ${path}`,
      details: { path, mode: '777' },
    });
    expect(statSync(path).mode & 0o777).toBe(0o777);
  });

  it('refuses with E_PATH a folder it cannot create', async () => {
    const file = join(useTempDir(), 'file');
    writeFileSync(file, '');
    await expect(ensurePrivateDir(join(file, 'dir'), { allowGroupRead: true })).rejects.toMatchObject({
      code: 'E_PATH',
      message: expect.stringMatching(new RegExp(`^Cannot create folder ${join(file, 'dir')}: `)),
    });
  });
});
