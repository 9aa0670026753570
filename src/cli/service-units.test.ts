import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../../test/helpers/daemon.js';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import { execPath, execWord, isOurUnit, listenStreamFor, listenStreamOf, renderUnits, type ServiceSpec } from './service-units.js';

const spec = (overrides: Partial<ServiceSpec> = {}): ServiceSpec => ({
  node: '/usr/bin/node',
  bin: '/opt/portkeeper/bin/ports',
  socketPath: '/run/user/1000/portkeeper/ports.sock',
  runtimeDir: '/run/user/1000',
  environment: [],
  version: '0.1.0',
  ...overrides,
});

function rendered(overrides: Partial<ServiceSpec> = {}) {
  const result = renderUnits(spec(overrides));
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result;
}

const lines = (text: string, key: string) => text.split('\n').filter((line) => line.startsWith(`${key}=`));

describe('renderUnits', () => {
  it('listens on %t/… for a socket under the runtime folder, 0600 in a 0700 folder', () => {
    const { socketUnit } = rendered();
    expect(lines(socketUnit, 'ListenStream')).toEqual(['ListenStream=%t/portkeeper/ports.sock']);
    expect(socketUnit).toContain('\nSocketMode=0600\nDirectoryMode=0700\n');
    expect(socketUnit).toContain('\n[Install]\nWantedBy=sockets.target\n');
  });

  it('runs `node bin/ports daemon --foreground` on the socket, restarted on failure, with PORTS_SOCKET as the socket unit says', () => {
    const { serviceUnit } = rendered();
    expect(lines(serviceUnit, 'ExecStart')).toEqual(['ExecStart="/usr/bin/node" "/opt/portkeeper/bin/ports" daemon --foreground --log-format pretty']);
    expect(lines(serviceUnit, 'Environment')).toEqual(['Environment="PORTS_SOCKET=%t/portkeeper/ports.sock"']);
    expect(serviceUnit).toContain('\nRequires=portkeeper.socket\nAfter=portkeeper.socket\n');
    expect(lines(serviceUnit, 'Restart')).toEqual(['Restart=on-failure']);
  });

  it.each([
    ['no runtime folder', undefined, '/home/me/.local/state/portkeeper/run/ports.sock', '/home/me/.local/state/portkeeper/run/ports.sock'],
    ['a socket elsewhere', '/run/user/1000', '/tmp/pk/ports.sock', '/tmp/pk/ports.sock'],
    ['a prefix that is not a folder', '/run/user/1000', '/run/user/10000/p.sock', '/run/user/10000/p.sock'],
    ['a runtime folder with a trailing slash', '/run/user/1000/', '/run/user/1000/p.sock', '%t/p.sock'],
    ['a % in the path', undefined, '/tmp/100%/p.sock', '/tmp/100%%/p.sock'],
    ['spaces and quotes, as they are', undefined, '/tmp/a "b"/p.sock', '/tmp/a "b"/p.sock'],
  ])('writes ListenStream for %s', (_what, runtimeDir, socketPath, expected) => {
    expect(listenStreamFor(socketPath, runtimeDir)).toBe(expected);
  });

  it('quotes ExecStart arguments so spaces, quotes, backslashes, $ and % reach the daemon as they are', () => {
    expect(execWord('/opt/my tools/"x"\\y/$HOME/100%/ports')).toBe('"/opt/my tools/\\"x\\"\\\\y/$$HOME/100%%/ports"');
  });

  it('quotes the executable without doubling $ (systemd does not expand variables there)', () => {
    expect(execPath('/opt/my $tools/100%/node')).toBe('"/opt/my $tools/100%%/node"');
  });

  it('carries the environment given, quoted for Environment= ($ has no meaning there, % is doubled)', () => {
    const { serviceUnit } = rendered({
      environment: [
        ['PORTS_STATE_DIR', '/srv/ports state/"x"\\y$z%'],
        ['PORTS_CONFIG', '/etc/ports.json'],
      ],
    });
    expect(lines(serviceUnit, 'Environment')).toEqual([
      'Environment="PORTS_SOCKET=%t/portkeeper/ports.sock"',
      'Environment="PORTS_STATE_DIR=/srv/ports state/\\"x\\"\\\\y$z%%"',
      'Environment="PORTS_CONFIG=/etc/ports.json"',
    ]);
  });

  it.each([
    ['a newline in a carried value', { environment: [['PORTS_STATE_DIR', '/srv/a\nb']] as const }, /PORTS_STATE_DIR .* control character/],
    ['a tab in the node path', { node: '/usr/bin/no\tde' }, /node .* control character/],
    ['a quote in the node path', { node: '/opt/"n"/node' }, /node .* quote or backslash/],
    ['a backslash in the node path', { node: '/opt/n\\/node' }, /node .* quote or backslash/],
    ['a relative carried value', { environment: [['PORTS_CONFIG', 'ports.json']] as const }, /PORTS_CONFIG \(ports.json\) is not an absolute path/],
    ['a socket path ending in a space', { socketPath: '/tmp/p.sock ' }, /ends in a space or backslash/],
    ['a socket path ending in a backslash', { socketPath: '/tmp/p\\' }, /ends in a space or backslash/],
    ['a newline in the socket path', { socketPath: '/tmp/a\nb.sock' }, /socket path .* control character/],
  ])('refuses %s, saying why', (_what, overrides, problem) => {
    const result = renderUnits(spec(overrides));
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toContainEqual(expect.stringMatching(problem));
  });

  it('marks both units as written by ports service install', () => {
    const { socketUnit, serviceUnit } = rendered();
    expect(isOurUnit(socketUnit)).toBe(true);
    expect(isOurUnit(serviceUnit)).toBe(true);
    expect(isOurUnit('[Unit]\nDescription=my own portkeeper\n')).toBe(false);
    expect(listenStreamOf(socketUnit)).toBe('%t/portkeeper/ports.sock');
  });

  it('warns when bin/ports is in the npx cache', () => {
    expect(rendered({ bin: '/home/me/.npm/_npx/1a2b/node_modules/portkeeper/bin/ports' }).warnings).toEqual([expect.stringMatching(/npx cache/)]);
    expect(rendered().warnings).toEqual([]);
  });
});

const ANALYZE = '/usr/bin/systemd-analyze';

describe.skipIf(!existsSync(ANALYZE))(`systemd-analyze verify --user (${ANALYZE})`, () => {
  /** Write the units to a folder and verify them offline: no manager runs, only a runtime folder is needed. */
  function verify(overrides: Partial<ServiceSpec>) {
    const dir = useTempDir();
    const runtimeDir = join(dir, 'run');
    mkdirSync(runtimeDir, { mode: 0o700 });
    const result = renderUnits(spec({ runtimeDir, socketPath: join(runtimeDir, 'portkeeper', 'ports.sock'), ...overrides }));
    if (!result.ok) throw new Error(result.problems.join('; '));
    const units = join(dir, 'units');
    mkdirSync(units);
    writeFileSync(join(units, 'portkeeper.socket'), result.socketUnit);
    writeFileSync(join(units, 'portkeeper.service'), result.serviceUnit);
    const run = spawnSync(ANALYZE, ['verify', '--user', join(units, 'portkeeper.socket'), join(units, 'portkeeper.service')], {
      env: { PATH: process.env['PATH'], HOME: dir, XDG_RUNTIME_DIR: runtimeDir, XDG_CONFIG_HOME: join(dir, 'config') },
      encoding: 'utf8',
      timeout: 20_000,
    });
    // verify exits 0 after ignoring a line it cannot parse, so its output must be empty too.
    return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
  }

  it('accepts the units as written for this checkout', () => {
    expect(verify({ node: process.execPath, bin: realpathSync(BIN) })).toEqual({ status: 0, output: '' });
  });

  it('finds node through a path with spaces, $ and % (the quoting is what systemd reads), with odd arguments and values', () => {
    const odd = join(useTempDir(), 'my tools $HOME 100%');
    mkdirSync(odd);
    symlinkSync(process.execPath, join(odd, 'node'));
    const worse = join(odd, 'a "b" \\ c');
    expect(verify({ node: join(odd, 'node'), bin: join(worse, 'ports'), environment: [['PORTS_STATE_DIR', worse]] })).toEqual({ status: 0, output: '' });
  });

  it('notices a node that is not there (so the check above means something)', () => {
    expect(verify({ node: '/nonexistent/my node', bin: realpathSync(BIN) }).output).toMatch(/nonexistent\/my node/);
  });
});
