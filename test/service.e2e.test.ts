import { existsSync, mkdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BIN, cliEnv, pathsIn, waitForExit } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * `ports service install|uninstall|status` against a fake `systemctl` first on PATH that records
 * its arguments: what is under test is what we ask systemd to do, and the unit files we write.
 * (The units themselves are checked by systemd-analyze in src/cli/service-units.test.ts, and a
 * daemon started the way systemd starts it in socket-activation.e2e.test.ts.)
 */
const FAKE_SYSTEMCTL = `#!/bin/sh
printf '%s\\n' "$*" >> "$FAKE_SYSTEMCTL_LOG"
case "$2" in
  is-system-running) echo "\${FAKE_SYSTEMCTL_STATE:-running}"; [ "\${FAKE_SYSTEMCTL_STATE:-running}" = running ] || exit 1 ;;
  is-active) echo active ;;
  is-enabled) echo enabled ;;
esac
exit 0
`;

function setUp(extra: NodeJS.ProcessEnv = {}) {
  const dir = useTempDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'systemctl'), FAKE_SYSTEMCTL, { mode: 0o755 });
  const log = join(dir, 'systemctl.log');
  const env = cliEnv(dir, { PATH: `${bin}:${process.env['PATH'] ?? ''}`, FAKE_SYSTEMCTL_LOG: log, PORTS_NO_AUTOSTART: '1', ...extra });
  const units = join(dir, 'config', 'systemd', 'user');
  return {
    dir,
    env,
    units,
    socketUnit: join(units, 'portkeeper.socket'),
    serviceUnit: join(units, 'portkeeper.service'),
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []),
  };
}

describe('ports service install --print', () => {
  it('shows both units for the socket the CLI uses, and writes nothing', async () => {
    const t = setUp();
    const result = await runCli(['service', 'install', '--print'], t.env);
    expect(result.code, result.stderr).toBe(0);
    const { socketPath, stateDir } = pathsIn(t.dir);
    expect(result.stdout).toContain(`# ${t.socketUnit}\n# Written by \`ports service install\` (portkeeper).`);
    expect(result.stdout).toContain(`\nListenStream=${socketPath}\nSocketMode=0600\nDirectoryMode=0700\n`);
    expect(result.stdout).toContain(`# ${t.serviceUnit}\n`);
    expect(result.stdout).toContain(`\nExecStart="${process.execPath}" "${realpathSync(BIN)}" daemon --foreground --log-format pretty\n`);
    expect(result.stdout).toContain(`\nEnvironment="PORTS_SOCKET=${socketPath}"\nEnvironment="PORTS_STATE_DIR=${stateDir}"\nEnvironment="XDG_CONFIG_HOME=${join(t.dir, 'config')}"\n`);
    expect(existsSync(t.units)).toBe(false);
    expect(t.calls()).toEqual([]);
  });

  it('writes %t/portkeeper/ports.sock for the default socket under $XDG_RUNTIME_DIR', async () => {
    const t = setUp();
    const env: NodeJS.ProcessEnv = { ...t.env, XDG_RUNTIME_DIR: join(t.dir, 'rt') };
    delete env['PORTS_SOCKET'];
    const result = await runCli(['service', 'install', '--print', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as { units: Array<{ name: string; path: string; text: string }>; socket: string; listenStream: string };
    expect(printed.socket).toBe(join(t.dir, 'rt', 'portkeeper', 'ports.sock'));
    expect(printed.listenStream).toBe('%t/portkeeper/ports.sock');
    expect(printed.units.map((unit) => [unit.name, unit.path])).toEqual([
      ['portkeeper.socket', t.socketUnit],
      ['portkeeper.service', t.serviceUnit],
    ]);
    expect(printed.units[1]?.text).toContain('\nEnvironment="PORTS_SOCKET=%t/portkeeper/ports.sock"\n');
  });

  it('refuses a value a unit cannot hold (exit 2), writing nothing', async () => {
    const t = setUp({ PORTS_STATE_DIR: '/tmp/state\nExecStartPre=/bin/evil' });
    const result = await runCli(['service', 'install'], t.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ports: Cannot write the systemd units: PORTS_STATE_DIR .* contains a control character/);
    expect(existsSync(t.units)).toBe(false);
    expect(t.calls()).toEqual([]);
  });
});

describe('ports service install', () => {
  it('writes the units (0644), reloads systemd and enables the socket, after stopping the daemon the CLI had started', async () => {
    const t = setUp();
    const printed = (await runCli(['service', 'install', '--print', '--json'], t.env)).stdout;
    // A daemon the CLI autostarted owns the socket path now: install must stop it first.
    const autostarted = await runCli(['allocate', 'web', '--no-pid'], { ...t.env, PORTS_NO_AUTOSTART: '' });
    expect(autostarted.code, autostarted.stderr).toBe(0);
    onTestFinished(async () => void (await runCli(['daemon', 'stop'], t.env)));
    const before = JSON.parse((await runCli(['daemon', 'status', '--json'], t.env)).stdout) as { pid: number };

    const result = await runCli(['service', 'install', '--json'], t.env);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ installed: true, started: true, stoppedPid: before.pid, written: [t.socketUnit, t.serviceUnit] });
    await waitForExit(before.pid);
    expect(existsSync(pathsIn(t.dir).socketPath)).toBe(false);

    for (const unit of (JSON.parse(printed) as { units: Array<{ path: string; text: string }> }).units) {
      expect(readFileSync(unit.path, 'utf8')).toBe(unit.text);
      expect(statSync(unit.path).mode & 0o777).toBe(0o644);
    }
    expect(t.calls()).toEqual(['--user is-system-running', '--user daemon-reload', '--user enable --now portkeeper.socket']);
  });

  it('again: restarts both units so new paths apply', async () => {
    const t = setUp();
    expect((await runCli(['service', 'install'], t.env)).code).toBe(0);
    const again = await runCli(['service', 'install'], t.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`portkeeper.socket is enabled and listening on ${pathsIn(t.dir).socketPath}`);
    expect(t.calls().slice(3)).toEqual([
      '--user is-system-running',
      '--user daemon-reload',
      '--user stop portkeeper.service',
      '--user enable portkeeper.socket',
      '--user restart portkeeper.socket',
    ]);
  });

  it('without a user manager: writes the units, says what to run, exits 1', async () => {
    const t = setUp({ FAKE_SYSTEMCTL_STATE: 'offline' });
    const result = await runCli(['service', 'install'], t.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`wrote ${t.socketUnit}\nwrote ${t.serviceUnit}\nports: systemctl --user is not available here`);
    expect(result.stderr).toContain('to start it, run:\n  systemctl --user daemon-reload\n  systemctl --user enable --now portkeeper.socket');
    expect(existsSync(t.serviceUnit)).toBe(true);
    expect(t.calls()).toEqual(['--user is-system-running']);
  });

  it('--no-start: writes the units only, and runs nothing', async () => {
    const t = setUp();
    const result = await runCli(['service', 'install', '--no-start', '--json'], t.env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ installed: true, started: false, run: ['systemctl --user daemon-reload', 'systemctl --user enable --now portkeeper.socket'] });
    expect(existsSync(t.socketUnit)).toBe(true);
    expect(t.calls()).toEqual([]);
  });

  it('refuses to replace a unit it did not write', async () => {
    const t = setUp();
    mkdirSync(t.units, { recursive: true });
    writeFileSync(t.serviceUnit, '[Service]\nExecStart=/usr/local/bin/my-portkeeper\n');
    const result = await runCli(['service', 'install'], t.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`ports: ${t.serviceUnit} was not written by ports service install; move it away first; nothing was written\n`);
    expect(readFileSync(t.serviceUnit, 'utf8')).toBe('[Service]\nExecStart=/usr/local/bin/my-portkeeper\n');
    expect(existsSync(t.socketUnit)).toBe(false);
  });
});

describe('ports service status and uninstall', () => {
  it('status reports the units and what systemctl says; uninstall disables and removes them', async () => {
    const t = setUp();
    const none = JSON.parse((await runCli(['service', 'status', '--json'], t.env)).stdout) as Record<string, unknown>;
    expect(none).toMatchObject({ installed: false, listenStream: null });
    expect((await runCli(['service', 'install'], t.env)).code).toBe(0);

    const status = await runCli(['service', 'status', '--json'], t.env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      installed: true,
      dir: t.units,
      listenStream: pathsIn(t.dir).socketPath,
      units: [
        { name: 'portkeeper.socket', path: t.socketUnit, present: true, ours: true, active: 'active', enabled: 'enabled' },
        { name: 'portkeeper.service', path: t.serviceUnit, present: true, ours: true, active: 'active', enabled: 'enabled' },
      ],
      systemd: { available: true, state: 'running' },
    });
    expect((await runCli(['service', 'status'], t.env)).stdout).toContain(`installed: yes\nportkeeper.socket: enabled, active — ${t.socketUnit}\n`);

    const before = t.calls().length;
    const removed = await runCli(['service', 'uninstall'], t.env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toBe(`removed ${t.socketUnit}\nremoved ${t.serviceUnit}\n`);
    expect(t.calls().slice(before)).toEqual(['--user is-system-running', '--user disable --now portkeeper.socket', '--user stop portkeeper.service', '--user daemon-reload']);
    expect(existsSync(t.socketUnit) || existsSync(t.serviceUnit)).toBe(false);

    const again = await runCli(['service', 'uninstall'], t.env);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('nothing to uninstall');
  });

  it('uninstall without a user manager removes the units and the enable link', async () => {
    const t = setUp({ FAKE_SYSTEMCTL_STATE: 'offline' });
    expect((await runCli(['service', 'install', '--no-start'], t.env)).code).toBe(0);
    mkdirSync(join(t.units, 'sockets.target.wants'));
    symlinkSync(t.socketUnit, join(t.units, 'sockets.target.wants', 'portkeeper.socket'));
    const result = await runCli(['service', 'uninstall', '--json'], t.env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ installed: false, removed: [t.socketUnit, t.serviceUnit], systemd: false, problems: [] });
    expect(existsSync(join(t.units, 'sockets.target.wants', 'portkeeper.socket'))).toBe(false);
    expect(t.calls()).toEqual(['--user is-system-running']);
  });

  it('uninstall leaves a unit it did not write alone', async () => {
    const t = setUp();
    mkdirSync(t.units, { recursive: true });
    writeFileSync(t.socketUnit, '[Socket]\nListenStream=/tmp/mine.sock\n');
    const result = await runCli(['service', 'uninstall'], t.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('was not written by ports service install; left alone: remove it yourself');
    expect(existsSync(t.socketUnit)).toBe(true);
    expect(t.calls()).toEqual([]);
  });
});
