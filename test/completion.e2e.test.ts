import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, clientFor, pathsIn, ROOT, startTestDaemon } from './helpers/daemon.js';
import { runCli, runProcess } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * `ports completion bash` loaded in a real bash (no rc files), its function called the way
 * readline calls it, with `ports` (the built bin/ports) on PATH. zsh and fish are checked as
 * text and through `ports __complete`, and parsed with `zsh -n` / `fish -n` where installed.
 */
const PATH = [join(ROOT, 'bin'), dirname(process.execPath), process.env['PATH'] ?? ''].join(delimiter);

const HARNESS = `
source <(ports completion bash) || exit 9
COMP_LINE=$1; COMP_POINT=\${#1}; shift
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
_ports_completion
(( \${#COMPREPLY[@]} )) && printf '%s\\n' "\${COMPREPLY[@]}"
exit 0
`;

function home(extra: NodeJS.ProcessEnv = {}) {
  const dir = useTempDir();
  return { dir, env: cliEnv(dir, { PATH, ...extra }) };
}

/** COMPREPLY for the line typed so far; `words` is COMP_WORDS as bash splits it (at spaces, `:` and `=`). */
async function complete(env: NodeJS.ProcessEnv, line: string, words = line.split(' '), cwd?: string) {
  const result = await runProcess('bash', ['--norc', '--noprofile', '-c', HARNESS, 'bash', line, ...words], { env, ...(cwd !== undefined ? { cwd } : {}) });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout === '' ? [] : result.stdout.trimEnd().split('\n');
}

const installed = (program: string): boolean => spawnSync(program, ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Run `argv` with `input` typed on its stdin; its stdout, within a deadline. With `paced`, the
 * typing starts once the output shows `ready` (the first prompt) and goes a line every `pauseMs`,
 * for shells that drop what was typed ahead.
 */
function typeInto(argv: string[], input: string, env: NodeJS.ProcessEnv, paced?: { ready: RegExp; pauseMs: number }, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let output = '';
    let typing: NodeJS.Timeout | undefined;
    let started = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (paced && !started && paced.ready.test(output)) {
        started = true;
        typeNext();
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} did not finish within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    child.on('close', () => {
      clearTimeout(timer);
      clearTimeout(typing);
      resolve(output);
    });
    const lines = input.split(/(?<=\n)/);
    function typeNext(): void {
      const line = lines.shift();
      if (line === undefined) return void child.stdin.end();
      child.stdin.write(line);
      typing = setTimeout(typeNext, paced?.pauseMs ?? 0);
    }
    if (!paced) child.stdin.end(input);
  });
}

describe('bash completion (a real bash)', () => {
  it('completes commands, subcommands, flags and choices', async () => {
    const { env } = home({ PORTS_NO_AUTOSTART: '1' });
    const commands = await complete(env, 'ports ');
    expect(commands).toEqual(expect.arrayContaining(['daemon', 'allocate', 'release', 'status', 'run', 'completion', 'help']));
    expect(commands).not.toContain('__complete');
    expect(await complete(env, 'ports al')).toEqual(['allocate']);
    expect(await complete(env, 'ports daemon ')).toEqual(expect.arrayContaining(['start', 'stop', 'status', 'restart']));
    expect(await complete(env, 'ports allocate --')).toEqual(expect.arrayContaining(['--type', '--port', '--range', '--pid', '--no-pid', '--owner', '--ttl', '--json']));
    expect(await complete(env, 'ports daemon --log-format ')).toEqual(['pretty', 'json']);
    expect(await complete(env, 'ports completion ')).toEqual(['bash', 'zsh', 'fish']);
    // readline replaces only what follows the `=`.
    expect(await complete(env, 'ports status --health=unh', ['ports', 'status', '--health', '=', 'unh'])).toEqual(['unhealthy']);
  });

  it('completes the service names, ports and owner tags of a running daemon, quoted for bash', async () => {
    const { dir, env } = home({ PORTS_NO_AUTOSTART: '1' });
    await startTestDaemon(dir);
    const client = await clientFor(pathsIn(dir).socketPath);
    const owner = `ci$x'y`;
    const { allocation: web } = await client.allocate({ service: 'web', pid: null });
    const { allocation: api } = await client.allocate({ service: 'api:v2', pid: null, owner });

    expect(await complete(env, 'ports get ')).toEqual(['api:v2', 'web']);
    expect(await complete(env, 'ports wait w')).toEqual(['web']);
    expect((await complete(env, 'ports who ')).sort()).toEqual([String(web.port), String(api.port)].sort());
    expect(await complete(env, `ports release ${web.port} `)).toEqual([String(api.port)]);
    // readline replaces only what follows the `:`.
    expect(await complete(env, 'ports get api:', ['ports', 'get', 'api', ':'])).toEqual(['v2']);
    expect(await complete(env, 'ports release --service=a', ['ports', 'release', '--service', '=', 'a'])).toEqual(['api:v2']);

    const [quoted, ...more] = await complete(env, 'ports cleanup --owner ');
    expect(more).toEqual([]);
    expect(quoted).toBe(`ci\\$x\\'y`);
    // What bash would insert reads back as the owner tag itself.
    const readBack = await runProcess('bash', ['--norc', '--noprofile', '-c', 'eval "set -- $1"; printf %s "$1"', 'bash', quoted as string], { env });
    expect(readBack.stdout).toBe(owner);
    expect(await complete(env, "ports cleanup --owner 'ci")).toEqual([`ci$x'\\''y`]);
  });

  it.skipIf(!installed('script'))('takes Tab in an interactive bash on a terminal (script(1) gives it one)', async () => {
    const { dir, env } = home({ PORTS_NO_AUTOSTART: '1', TERM: 'dumb', INPUTRC: '/dev/null' });
    await startTestDaemon(dir);
    const client = await clientFor(pathsIn(dir).socketPath);
    await client.allocate({ service: 'api:v2', pid: null, owner: 'ci$x' });
    // Each line: type, Tab, then go to the start (Ctrl-A) and make it print its words instead of running.
    const lines = ['ports get api:', 'ports cleanup --owner c', "ports cleanup --owner 'c"].map((line) => `${line}\t\u0001printf '<%s>' \n`);
    const input = ['source <(ports completion bash)\n', ...lines, 'exit\n'].join('');
    const result = await typeInto(['script', '-qec', 'bash --norc --noprofile -i', '/dev/null'], input, env);
    expect(result).toContain('<ports><get><api:v2>');
    expect(result.match(/<ports><cleanup><--owner><ci\$x>/g)).toHaveLength(2);
  });

  it('without a daemon: says nothing, starts none, and still completes commands and flags', async () => {
    // Autostart allowed: completion must not use it.
    const { dir, env } = home();
    const started = Date.now();
    expect(await complete(env, 'ports get ')).toEqual([]);
    expect(await complete(env, 'ports release --owner ')).toEqual([]);
    expect(await complete(env, 'ports re')).toEqual(['release', 'renew']);
    expect(Date.now() - started).toBeLessThan(15_000);
    const { socketPath, stateDir } = pathsIn(dir);
    expect(existsSync(dirname(socketPath))).toBe(false);
    expect(existsSync(stateDir)).toBe(false);
  });

  it('leaves file flags to file names, and the command after `ports run --` to command names', async () => {
    const { dir, env } = home({ PORTS_NO_AUTOSTART: '1' });
    writeFileSync(join(dir, 'ports-config.json'), '{}');
    expect(await complete(env, 'ports daemon --config ports-c', undefined, dir)).toEqual(['ports-config.json']);
    expect(await complete(env, 'ports run -- ech')).toContain('echo');
    expect(await complete(env, 'ports run -- echo ports-c', undefined, dir)).toEqual(['ports-config.json']);
  });
});

describe('zsh and fish completion scripts', () => {
  it('hand each Tab to ports __complete, which answers from the same command tree', async () => {
    const { env } = home({ PORTS_NO_AUTOSTART: '1' });
    const zsh = await runCli(['completion', 'zsh'], env);
    expect(zsh).toMatchObject({ code: 0, stderr: '' });
    expect(zsh.stdout).toMatch(/^#compdef ports\n/);
    expect(zsh.stdout).toContain('command ports __complete zsh -- ');
    expect(zsh.stdout).toContain('compdef _ports ports');
    const fish = await runCli(['completion', 'fish'], env);
    expect(fish).toMatchObject({ code: 0, stderr: '' });
    expect(fish.stdout).toContain('command ports __complete fish -- $tokens "$current"');
    expect(fish.stdout).toContain("complete -c ports -f -a '(__ports_complete)'");

    const commands = await runCli(['__complete', 'zsh', '--', ''], env);
    expect(commands.stderr).toBe('');
    expect(commands.stdout.split('\n')).toEqual(expect.arrayContaining(['values', expect.stringMatching(/^allocate\thand out a port/), expect.stringMatching(/^completion\t/)]));
    const flags = await runCli(['__complete', 'fish', '--', 'allocate', '--'], env);
    expect(flags.stdout.split('\n')).toEqual(expect.arrayContaining([expect.stringMatching(/^--type\tservice type/), expect.stringMatching(/^--no-pid\t/)]));
    expect((await runCli(['__complete', 'fish', '--', 'run', '--', ''], env)).stdout).toBe('command\t2\n');
    expect((await runCli(['__complete', 'zsh', '--', 'daemon', '--state-dir', ''], env)).stdout).toBe('dirs\t\n');
  });

  it.skipIf(!installed('fish'))('fish completes commands, flags, daemon values and a command after `ports run --`', async () => {
    const { dir, env } = home({ PORTS_NO_AUTOSTART: '1' });
    await startTestDaemon(dir);
    const client = await clientFor(pathsIn(dir).socketPath);
    await client.allocate({ service: 'api:v2', pid: null, owner: 'ci$x' });
    const fish = (line: string) => runProcess('fish', ['--no-config', '-c', `ports completion fish | source; complete -C ${JSON.stringify(line).replace(/\$/g, '\\$')}`], { env });
    expect((await fish('ports al')).stdout).toMatch(/^allocate\thand out a port/);
    expect((await fish('ports allocate --no-p')).stdout).toMatch(/^--no-pid\t/);
    expect((await fish('ports get ')).stdout).toMatch(/^api:v2\tport \d+\n$/);
    expect((await fish('ports cleanup --owner ')).stdout).toMatch(/^ci\$x\t/);
    expect((await fish('ports run -- ech')).stdout).toMatch(/^echo\t/m);
  });

  it.skipIf(!installed('zsh') || !installed('script'))('zsh completes on Tab in an interactive zsh on a terminal', async () => {
    const { dir, env } = home({ PORTS_NO_AUTOSTART: '1', TERM: 'xterm' });
    await startTestDaemon(dir);
    const client = await clientFor(pathsIn(dir).socketPath);
    await client.allocate({ service: 'api:v2', pid: null, owner: 'ci$x' });
    const zdotdir = join(dir, 'zsh');
    mkdirSync(zdotdir);
    writeFileSync(join(zdotdir, '.zshrc'), "bindkey -e\nautoload -U compinit\ncompinit -u -D\nsource <(ports completion zsh)\nPS1='%% '\n");
    // Type, Tab, go to the start (Ctrl-A), print the words instead of running them.
    const lines = ['ports get api:', 'ports cleanup --owner c', 'ports daemon --log-format p'].map((line) => `${line}\t\u0001print -r -- '<' \n`);
    const output = await typeInto(['script', '-qec', 'zsh -i', '/dev/null'], [...lines, 'exit\n'].join(''), { ...env, ZDOTDIR: zdotdir }, { ready: /% /, pauseMs: 1000 });
    expect(output).toMatch(/< ports get api:v2 ?\r?\n/);
    expect(output).toMatch(/< ports cleanup --owner ci\$x ?\r?\n/);
    expect(output).toMatch(/< ports daemon --log-format pretty ?\r?\n/);
  });

  it.skipIf(!installed('zsh'))('zsh -n reads the zsh script', async () => {
    const { env } = home({ PORTS_NO_AUTOSTART: '1' });
    const file = join(useTempDir(), '_ports');
    writeFileSync(file, (await runCli(['completion', 'zsh'], env)).stdout);
    expect(spawnSync('zsh', ['-n', file], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
  });

  it.skipIf(!installed('fish'))('fish -n reads the fish script', async () => {
    const { env } = home({ PORTS_NO_AUTOSTART: '1' });
    const file = join(useTempDir(), 'ports.fish');
    writeFileSync(file, (await runCli(['completion', 'fish'], env)).stdout);
    expect(spawnSync('fish', ['--no-config', '-n', file], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
  });

  it('bash -n reads the bash script; an unknown shell is a usage error', async () => {
    const { env } = home({ PORTS_NO_AUTOSTART: '1' });
    const script = (await runCli(['completion', 'bash'], env)).stdout;
    expect(spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
    const wrong = await runCli(['completion', 'powershell'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^ports: command-argument value 'powershell' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish\./);
  });
});
