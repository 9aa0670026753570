import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import { statePaths } from '../shared/paths.js';
import { linkRefusal, openAppendFile, ownFiles, refuseLinks } from './own-files.js';

describe('the files the daemon writes', () => {
  it('opens a log to append to, created 0600', () => {
    const path = join(useTempDir(), 'daemon.log');
    writeFileSync(path, 'first\n', { mode: 0o600 });
    const fd = openAppendFile(path);
    writeSync(fd, 'second\n');
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe('first\nsecond\n');
    const fresh = join(useTempDir(), 'audit.log');
    closeSync(openAppendFile(fresh));
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
  });

  it('refuses a symlink, naming it, and leaves the target alone', () => {
    const dir = useTempDir();
    const target = join(dir, 'target');
    writeFileSync(target, 'untouched\n', { mode: 0o640 });
    symlinkSync(target, join(dir, 'daemon.log'));
    expect(() => openAppendFile(join(dir, 'daemon.log'))).toThrow(
      expect.objectContaining({ code: 'E_PATH', message: `${join(dir, 'daemon.log')} is a symbolic link; portkeeper does not write through links: remove it` }),
    );
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
    expect(statSync(target).mode & 0o777).toBe(0o640);
  });

  it('refuses a dangling symlink without creating its target', () => {
    const dir = useTempDir();
    symlinkSync(join(dir, 'nowhere'), join(dir, 'daemon.log'));
    expect(() => openAppendFile(join(dir, 'daemon.log'))).toThrow(expect.objectContaining({ message: linkRefusal(join(dir, 'daemon.log')) }));
    expect(() => statSync(join(dir, 'nowhere'))).toThrow();
  });

  it('refuses a folder or a FIFO instead of hanging on it', () => {
    const dir = useTempDir();
    mkdirSync(join(dir, 'folder'));
    expect(() => openAppendFile(join(dir, 'folder'))).toThrow(expect.objectContaining({ code: 'E_PATH' }));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(() => openAppendFile(join(dir, 'fifo'))).toThrow(
      expect.objectContaining({ code: 'E_PATH', message: `${join(dir, 'fifo')} is not a regular file; portkeeper writes to it: remove it` }),
    );
  });

  it('lists every file the daemon writes but state.json, and refuses a link at any of them', async () => {
    const dir = useTempDir();
    const paths = statePaths(dir);
    const names = ownFiles(paths).map((file) => file.path.slice(dir.length + 1));
    expect(names.sort()).toEqual(
      ['audit.log', 'daemon.lock', 'daemon.log', 'daemon.pid', 'last-recovery.json', 'state.journal', 'state.journal.next', 'state.journal.old', 'state.json.bak'].sort(),
    );
    await expect(refuseLinks(ownFiles(paths))).resolves.toBeUndefined();
    symlinkSync(join(dir, 'elsewhere'), paths.pidFile);
    await expect(refuseLinks(ownFiles(paths))).rejects.toMatchObject({ code: 'E_PATH', message: linkRefusal(paths.pidFile) });
  });
});

describe('the daemon log', () => {
  it('is opened the same way: a symlink stops it', async () => {
    const { createDaemonLogger } = await import('./logger.js');
    const dir = useTempDir();
    writeFileSync(join(dir, 'target'), 'untouched\n');
    symlinkSync(join(dir, 'target'), join(dir, 'daemon.log'));
    expect(() => createDaemonLogger({ file: join(dir, 'daemon.log'), level: 'info', stderr: false })).toThrow(
      expect.objectContaining({ code: 'E_PATH', message: linkRefusal(join(dir, 'daemon.log')) }),
    );
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('untouched\n');
  });
});
