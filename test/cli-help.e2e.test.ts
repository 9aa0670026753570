import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliEnv, pathsIn, waitForExit } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/** When the test ends, stop the daemon whose pid file is in `stateDir`, if one runs. */
function stopDaemonOf(stateDir: string): void {
  onTestFinished(async () => {
    let pid = 0;
    try {
      pid = (JSON.parse(readFileSync(join(stateDir, 'daemon.pid'), 'utf8')) as { pid: number }).pid;
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    await waitForExit(pid);
  });
}

/** A temp home where no daemon runs and none may be started: parse errors and help need none. */
function quietHome(extra: NodeJS.ProcessEnv = {}) {
  const dir = useTempDir();
  const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1', ...extra });
  // Should a bug start a daemon after all, it does not outlive the test.
  stopDaemonOf(pathsIn(dir).stateDir);
  return { dir, env, run: (...args: string[]) => runCli(args, env) };
}

describe('PORTS_NO_AUTOSTART (built bin/ports)', () => {
  it.each(['true', 'YES', 'on'])('=%s turns autostart off: exit 3, and no daemon is started', async (value) => {
    const { dir, run } = quietHome({ PORTS_NO_AUTOSTART: value });
    const result = await run('status');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^ports: No daemon is running on .*ports\.sock/);
    const { socketPath, stateDir } = pathsIn(dir);
    // Autostart would have left its lock or log beside the socket, and a daemon its state folder.
    expect(existsSync(dirname(socketPath)) ? readdirSync(dirname(socketPath)) : []).toEqual([]);
    expect(existsSync(stateDir)).toBe(false);
  });
});

describe('help and parser errors (built bin/ports)', () => {
  it.each([
    // args, exit code, the stream with the text, its first line
    [[], 2, 'stderr', /^Usage: ports \[options\] \[command\]$/],
    [['--help'], 0, 'stdout', /^Usage: ports \[options\] \[command\]$/],
    [['help'], 0, 'stdout', /^Usage: ports \[options\] \[command\]$/],
    [['help', 'allocate'], 0, 'stdout', /^Usage: ports allocate \[options\] \[service\]$/],
    [['allocate', '--help'], 0, 'stdout', /^Usage: ports allocate \[options\] \[service\]$/],
    [['help', 'daemon', 'stop'], 0, 'stdout', /^Usage: ports daemon stop \[options\]$/],
    [['daemon', 'stop', '--help'], 0, 'stdout', /^Usage: ports daemon stop \[options\]$/],
    [['help', 'nonexistent'], 2, 'stderr', /^ports: unknown command or help topic 'nonexistent'$/],
    [['frobnicate'], 2, 'stderr', /^ports: unknown command 'frobnicate'$/],
  ] as const)('ports %j: exit %i, %s starts with %s', async (args, code, stream, firstLine) => {
    const result = await quietHome().run(...args);
    expect(result.code).toBe(code);
    const other = stream === 'stdout' ? result.stderr : result.stdout;
    expect(result[stream].split('\n')[0]).toMatch(firstLine);
    expect(other).toBe('');
  });

  it('suggests the command meant, at any depth', async () => {
    const { run } = quietHome();
    expect(await run('alocate', 'web')).toMatchObject({
      code: 2,
      stderr: "ports: unknown command 'alocate'\n(Did you mean allocate?)\n(run ports --help for usage)\n",
    });
    expect(await run('help', 'relaese')).toMatchObject({ code: 2, stderr: expect.stringContaining('(Did you mean release?)') });
    expect(await run('help', 'daemon', 'stp')).toMatchObject({
      code: 2,
      stderr: "ports: unknown command 'daemon stp'\n(Did you mean daemon stop?)\n(run ports daemon --help for usage)\n",
    });
  });

  it.each([
    [['allocate', '--bogus'], "ports: unknown option '--bogus'", 'ports allocate'],
    [['allocate', '--port'], "ports: option '--port <port>' argument missing", 'ports allocate'],
    [['status', '--health', 'bad'], "ports: option '--health <status>' argument 'bad' is invalid.", 'ports status'],
    [['who'], "ports: missing required argument 'port'", 'ports who'],
    [['who', '1', '2'], "ports: too many arguments for 'who'.", 'ports who'],
    [['daemon', 'stop', '--bogus'], "ports: unknown option '--bogus'", 'ports daemon stop'],
  ])('ports %j: "ports: …" and the usage hint of the command, exit 2', async (args, message, command) => {
    const result = await quietHome().run(...args);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]?.startsWith(message)).toBe(true);
    expect(lines.at(-1)).toBe(`(run ${command} --help for usage)`);
    expect(result.stdout).toBe('');
  });

  it("lists the start flags in 'ports daemon --help' (start is its default command)", async () => {
    const result = await quietHome().run('daemon', '--help');
    expect(result.code).toBe(0);
    for (const flag of ['--foreground', '--socket <path>', '--state-dir <dir>', '--config <file>', '--log-level <level>', '--portserver-socket <path>']) {
      expect(result.stdout).toContain(`  ${flag}`);
    }
    expect(result.stdout).toMatch(/^ {2}restart \[options\] +stop the daemon if one runs/m);
  });

  it.each([
    [['daemon', 'restrat'], "ports: unknown command 'daemon restrat'\n(Did you mean daemon restart?)\n(run ports daemon --help for usage)\n"],
    [['daemon', 'frob'], "ports: unknown command 'daemon frob'\n(run ports daemon --help for usage)\n"],
    [['daemon', 'start', 'extra'], "ports: too many arguments for 'start'. Expected 0 arguments but got 1.\n(run ports daemon start --help for usage)\n"],
  ])('ports %j is a usage error', async (args, stderr) => {
    expect(await quietHome().run(...args)).toEqual({ code: 2, stdout: '', stderr });
  });

  it('gives --json the JSON error of a parser error too', async () => {
    const result = await quietHome().run('allocate', '--bogus', '--json');
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ schemaVersion: 1, ok: false, error: { code: 'E_USAGE', message: "unknown option '--bogus'" } });
    expect(result.stderr).toContain("ports: unknown option '--bogus'");
  });

  it('leaves a --json after -- to the command ports run starts: its own errors stay text', async () => {
    const result = await quietHome().run('run', '--ttl', 'soon', '--', 'some-tool', '--json');
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('ports: --ttl: "soon" is not a duration');
  });
});

describe('flags given twice (built bin/ports)', () => {
  it.each([
    [['allocate', 'web', '--port', '7010', '--port', '7011'], "ports: --port was given more than once ('7010', '7011'); it takes one value", 'ports allocate'],
    [['release', '--service', 'alpha', '--service', 'beta'], "ports: --service was given more than once ('alpha', 'beta'); it takes one value", 'ports release'],
    [['status', '--limit', '1', '--limit', '2'], "ports: --limit was given more than once ('1', '2'); it takes one value", 'ports status'],
    [['cleanup', '--kill', '--timeout', '1s', '--timeout', '2s'], "ports: --timeout was given more than once ('1s', '2s'); it takes one value", 'ports cleanup'],
    [['daemon', '--log-level', 'info', '--log-level', 'debug'], "ports: --log-level was given more than once ('info', 'debug'); it takes one value", 'ports daemon start'],
    [['allocate', 'web', '--pid', '5', '--no-pid'], 'ports: --pid and --no-pid cannot be used together', 'ports allocate'],
  ])('ports %j is a usage error naming the flag', async (args, message, command) => {
    const result = await quietHome().run(...args);
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: `${message}\n(run ${command} --help for usage)\n` });
  });

  it('lets a boolean flag given twice through (here to the missing daemon: exit 3)', async () => {
    const result = await quietHome().run('status', '--json', '--json');
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'E_DAEMON_UNREACHABLE' } });
  });
});

describe('a service name where a port goes (built bin/ports)', () => {
  it.each([
    [['release', 'web'], 'ports: "web" is not a port; to release a service, use --service web\n'],
    [['release', '3000', 'web'], 'ports: "web" is not a port; to release a service, use --service web\n'],
    [['renew', 'db', '--ttl', '1h'], 'ports: "db" is not a port; to renew a service, use --service db\n'],
    [['who', 'web'], 'ports: "web" is not a port; for a service\'s port, use ports get web, then ports who PORT\n'],
  ])('ports %j: exit 2, saying how to name a service', async (args, stderr) => {
    expect(await quietHome().run(...args)).toEqual({ code: 2, stdout: '', stderr });
  });
});

describe('ports daemon restart (built bin/ports)', () => {
  it('stops the running daemon and starts a new one on the same socket and state', async () => {
    const dir = useTempDir();
    const { socketPath, stateDir } = pathsIn(dir);
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    stopDaemonOf(stateDir);
    const run = (...args: string[]) => runCli(args, env);
    expect((await run('daemon')).code).toBe(0);
    const before = JSON.parse((await run('daemon', 'status', '--json')).stdout);
    expect((await run('allocate', 'kept', '--no-pid')).code).toBe(0);

    const restarted = await run('daemon', 'restart');
    expect(restarted.code).toBe(0);
    expect(restarted.stderr).toMatch(new RegExp(`^portkeeper daemon stopped \\(pid ${before.pid}\\)\nportkeeper daemon started \\(pid \\d+, socket ${socketPath}\\)\n$`));
    await waitForExit(before.pid);

    const after = JSON.parse((await run('daemon', 'status', '--json')).stdout);
    expect(after).toMatchObject({ running: true, stateDir, socket: socketPath });
    expect(after.pid).not.toBe(before.pid);
    // The socket works, and the state came along.
    const status = JSON.parse((await run('status', '--json')).stdout);
    expect(status.allocations).toMatchObject([{ service: 'kept', pid: null }]);
  });

  it('takes the start flags afresh, and points out a state folder that changed', async () => {
    const dir = useTempDir();
    const own = join(dir, 'own-state');
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    stopDaemonOf(own);
    stopDaemonOf(pathsIn(dir).stateDir);
    expect((await runCli(['daemon', '--state-dir', own], env)).code).toBe(0);
    const restarted = await runCli(['daemon', 'restart'], env);
    expect(restarted.code).toBe(0);
    expect(restarted.stderr).toContain(`note: the new daemon uses the state folder ${pathsIn(dir).stateDir}, the stopped one used ${own}; to go back: ports daemon restart --state-dir ${own}`);
  });

  it('starts a daemon when none runs; --json gives one object', async () => {
    const dir = useTempDir();
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    stopDaemonOf(pathsIn(dir).stateDir);
    const result = await runCli(['daemon', 'restart', '--json'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ schemaVersion: 1, stoppedPid: null, started: true, pid: expect.any(Number), socket: pathsIn(dir).socketPath });
    expect(result.stderr).toBe('');
  });
});
