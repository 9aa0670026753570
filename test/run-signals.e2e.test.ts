import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { acceptsConnections } from '../src/system/connect-probe.js';
import { BIN, cliEnv, clientFor, pathsIn, startTestDaemon, waitFor, waitForExit } from './helpers/daemon.js';
import { commandLine, descendants } from './helpers/process-tree.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

// `ports run` as a real process: the line it prints, and what becomes of its command when it is
// signalled or killed, off a terminal and on one (a pty from util-linux `script`).

const DEV_SERVER = fileURLToPath(new URL('./fixtures/dev-server.mjs', import.meta.url));
const SCRIPT = '/usr/bin/script';
const HAS_PTY = existsSync(SCRIPT);
/** The dev server itself. */
const SERVER = [process.execPath, DEV_SERVER];
/** The dev server under a shell, a tree like `npm run dev` makes (`; exit` keeps sh from exec-ing node). */
const TREE = ['sh', '-c', '"$0" "$1"; exit $?', process.execPath, DEV_SERVER];

/**
 * A daemon in this process that reclaims fast, the CLI's environment for it, what the dev server
 * logs, and `--range` of a window of ports of this test's own: daemons of other test runs on the
 * machine start at the same low ports, so a shared range would let two of them hand out one port.
 */
async function home() {
  const dir = useTempDir();
  await startTestDaemon(dir, { health_monitoring: { check_interval_ms: 200, max_failures: 2, startup_grace_ms: 1500 } });
  const signalLog = join(dir, 'signals');
  const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1', SIGNAL_LOG: signalLog });
  const client = await clientFor(pathsIn(dir).socketPath);
  const start = 10_000 + Math.floor(Math.random() * 200) * 100;
  return {
    env,
    range: ['--range', `${start}-${start + 99}`],
    /** The signals the dev server got, in order. */
    signals: () => (existsSync(signalLog) ? readFileSync(signalLog, 'utf8').split('\n').filter(Boolean) : []),
    allocatedPorts: async () => (await client.status()).allocations.map((allocation) => allocation.port),
  };
}

interface Running {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** The dev server's pid and process group, once it listens. */
  server: Promise<{ pid: number; pgid: number }>;
}

/** Watch `child`'s output for the dev server's line; SIGKILL whatever is left of it all when the test ends. */
function watch(child: ChildProcess): Running {
  let output = '';
  let pgid = 0;
  const server = new Promise<{ pid: number; pgid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the dev server did not listen within 15 s; output: ${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening pid=(\d+) pgid=(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        pgid = Number(match[2]);
        resolve({ pid: Number(match[1]), pgid });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  onTestFinished(() => {
    for (const target of [pgid > 0 ? -pgid : 0, child.pid ? -child.pid : 0, child.pid ?? 0]) {
      try {
        if (target !== 0) process.kill(target, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
  });
  return { child, exited, server };
}

/** `ports run ARGS` off a terminal (stdin is /dev/null); with `groupLeader`, in a process group of its own, as a supervisor starts a job. */
function startRun(env: NodeJS.ProcessEnv, args: string[], options: { groupLeader?: boolean } = {}): Running {
  return watch(spawn(process.execPath, [BIN, 'run', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.groupLeader === true }));
}

/**
 * `ports run ARGS` on a terminal: `script` runs it on a new pty, and `exec` makes it the leader
 * of the pty's session and foreground process group, as a shell makes a command you type.
 * `type` writes to the terminal (`\x03` is Ctrl-C).
 */
function startRunOnTerminal(env: NodeJS.ProcessEnv, args: string[]): Running & { type(text: string): void } {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const command = `exec ${[process.execPath, BIN, 'run', ...args].map(quote).join(' ')}`;
  const child = spawn(SCRIPT, ['-qfec', command, '/dev/null'], { env: { ...env, SHELL: '/bin/sh' }, stdio: ['pipe', 'pipe', 'pipe'] });
  onTestFinished(() => void child.stdin?.end());
  return { ...watch(child), type: (text) => void child.stdin?.write(text) };
}

/** Wait until nothing accepts connections on the port and the daemon no longer has it allocated. */
async function waitForPortBack(port: number, allocatedPorts: () => Promise<number[]>): Promise<void> {
  await waitFor(async () => !(await acceptsConnections(port, '127.0.0.1', 500)), `port ${port} to be free`);
  await waitFor(async () => !(await allocatedPorts()).includes(port), `port ${port} to be released`);
}

describe('ports run says which port it chose', () => {
  it('prints one line on stderr and nothing on stdout; --quiet prints nothing', async () => {
    const { env, range } = await home();
    const printPort = ['--', process.execPath, '-e', 'console.log(process.env.PORT)'];
    const said = await runCli(['run', ...range, '--service', 'web', ...printPort], env);
    expect(said.code).toBe(0);
    const port = Number(said.stdout.trim());
    expect(said.stdout).toBe(`${port}\n`);
    expect(said.stderr).toBe(`ports: web → http://127.0.0.1:${port}\n`);

    const quiet = await runCli(['run', ...range, '--quiet', '--service', 'web', ...printPort], env);
    expect(quiet).toMatchObject({ code: 0, stdout: `${port}\n`, stderr: '' });
  });
});

describe('nothing outlives the job', () => {
  it('off a terminal, a SIGKILL of the process group of ports run stops the whole command tree, and the port comes back', async () => {
    const { env, range, allocatedPorts } = await home();
    const run = startRun(env, [...range, '--service', 'tree', '--', ...TREE], { groupLeader: true });
    const wrapper = run.child.pid ?? 0;
    const server = await run.server;
    // The command has a group of its own (so forwarded signals reach sh and node); a guard watches it.
    expect(server.pgid).not.toBe(wrapper);
    const tree = descendants(wrapper);
    expect(tree).toContain(server.pid);
    expect(tree.filter((pid) => commandLine(pid).includes('ports-run-guard'))).toHaveLength(1);
    const [port = 0] = await allocatedPorts();

    process.kill(-wrapper, 'SIGKILL');
    for (const pid of tree) await waitForExit(pid, 10_000);
    await waitForPortBack(port, allocatedPorts);
  });

  it.skipIf(!HAS_PTY)('on a terminal, the command shares the process group of ports run, so a group SIGKILL stops it all', async () => {
    const { env, range, allocatedPorts } = await home();
    const run = startRunOnTerminal(env, [...range, '--service', 'tty', '--', ...TREE]);
    const server = await run.server;
    const wrapper = server.pgid;
    expect(commandLine(wrapper)).toContain(`${BIN} run`);
    const tree = descendants(wrapper);
    expect(tree).toContain(server.pid);
    expect(tree.some((pid) => commandLine(pid).includes('ports-run-guard'))).toBe(false);
    const [port = 0] = await allocatedPorts();

    process.kill(-wrapper, 'SIGKILL');
    for (const pid of [wrapper, ...tree]) await waitForExit(pid, 10_000);
    await run.exited;
    await waitForPortBack(port, allocatedPorts);
  });
});

describe('signals reach the command exactly once', () => {
  it.skipIf(!HAS_PTY)('on a terminal, Ctrl-C (from the terminal to the whole group) is not forwarded a second time', async () => {
    const { env, range, signals, allocatedPorts } = await home();
    const run = startRunOnTerminal(env, [...range, '--service', 'ctrl-c', '--', ...SERVER]);
    await run.server;
    run.type('\x03');
    expect(await run.exited).toBe(130);
    expect(signals()).toEqual(['SIGINT']);
    expect(await allocatedPorts()).toEqual([]);
  });

  it.skipIf(!HAS_PTY)('on a terminal, kill -TERM sent to ports run alone is forwarded', async () => {
    const { env, range, signals } = await home();
    const run = startRunOnTerminal(env, [...range, '--service', 'term', '--', ...SERVER]);
    const server = await run.server;
    process.kill(server.pgid, 'SIGTERM');
    expect(await run.exited).toBe(143);
    expect(signals()).toEqual(['SIGTERM']);
  });

  it('off a terminal, kill -INT sent to ports run reaches the command once, and the guard leaves with ports run', async () => {
    const { env, range, signals, allocatedPorts } = await home();
    const run = startRun(env, [...range, '--service', 'int', '--', ...SERVER]);
    await run.server;
    const guards = descendants(run.child.pid ?? 0).filter((pid) => commandLine(pid).includes('ports-run-guard'));
    expect(guards).toHaveLength(1);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(signals()).toEqual(['SIGINT']);
    expect(await allocatedPorts()).toEqual([]);
    await waitForExit(guards[0] ?? 0, 5_000);
  });
});
