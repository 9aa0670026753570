import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, pathsIn } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * A symbolic link where one of the daemon's files should be: the daemon refuses to start, says
 * which path and what to do, and the link's target is never touched (docs/reliability.md, "Files
 * and output").
 */
describe('a symlink at a file the daemon writes', () => {
  it.each(['daemon.log', 'audit.log', 'daemon.pid', 'state.json.bak', 'last-recovery.json', 'state.journal'])(
    'at %s: the daemon refuses to start and the target keeps its content and mode',
    async (name) => {
      const dir = useTempDir();
      const { stateDir, socketPath } = pathsIn(dir);
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      const target = join(dir, 'target');
      writeFileSync(target, 'untouched\n', { mode: 0o640 });
      symlinkSync(target, join(stateDir, name));

      const started = await runCli(['daemon', '--foreground'], cliEnv(dir));
      expect(started.code).toBe(1);
      expect(started.stderr).toContain(`${join(stateDir, name)} is a symbolic link; portkeeper does not write through links: remove it`);
      expect(readFileSync(target, 'utf8')).toBe('untouched\n');
      expect(statSync(target).mode & 0o777).toBe(0o640);
      expect(lstatSync(join(stateDir, name)).isSymbolicLink()).toBe(true);
      expect(existsSync(socketPath)).toBe(false);
    },
  );

  it('at the lock folder: refused at once, the folder it points to untouched', async () => {
    const dir = useTempDir();
    const { stateDir } = pathsIn(dir);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    mkdirSync(join(dir, 'elsewhere'), { mode: 0o750 });
    symlinkSync(join(dir, 'elsewhere'), join(stateDir, 'daemon.lock'));

    const started = await runCli(['daemon', '--foreground'], cliEnv(dir));
    expect(started.code).toBe(1);
    expect(started.stderr).toContain(`${join(stateDir, 'daemon.lock')} is a symbolic link; portkeeper does not write through links: remove it`);
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual([]);
    expect(statSync(join(dir, 'elsewhere')).mode & 0o777).toBe(0o750);
  });
});
