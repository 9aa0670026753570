import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, pathsIn, startTestDaemon } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

// `ports run` adding --port and friends for dev servers that ignore PORT, with fake frameworks:
// executables named vite, astro and ng in a project's node_modules/.bin that print the
// arguments they got as JSON and exit.

const FAKE_TOOL = `#!/usr/bin/env node
process.stdout.write(JSON.stringify({ tool: require('node:path').basename(process.argv[1]), args: process.argv.slice(2), port: process.env.PORT }) + '\\n');
`;

/** A project folder with fake vite, astro and ng, a package.json with `scripts`, and a daemon for the CLI. */
async function project(scripts: Record<string, string>) {
  const home = useTempDir();
  await startTestDaemon(home);
  const dir = join(home, 'web');
  const bin = join(dir, 'node_modules', '.bin');
  mkdirSync(bin, { recursive: true });
  // CommonJS for the fake tools, whatever the project says.
  writeFileSync(join(dir, 'node_modules', 'package.json'), '{"type": "commonjs"}');
  for (const tool of ['vite', 'astro', 'ng']) {
    writeFileSync(join(bin, tool), FAKE_TOOL);
    chmodSync(join(bin, tool), 0o755);
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'web', packageManager: 'npm@10.0.0', scripts }));
  mkdirSync(join(dir, '.git'));
  // The fake tools on PATH, as for a direct `ports run -- vite`; npm puts them there itself.
  const env = cliEnv(home, { PORTS_NO_AUTOSTART: '1', PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}` });
  const start = 10_000 + Math.floor(Math.random() * 200) * 100;
  const range = ['--range', `${start}-${start + 99}`];
  /** `ports run --range … ARGS` in `cwd` (default: the project), with what the fake tool printed. */
  const run = async (args: string[], cwd = dir) => {
    const result = await runCli(['run', ...range, ...args], env, 20_000, cwd);
    const line = result.stdout.split('\n').find((text) => text.startsWith('{'));
    return { ...result, got: line === undefined ? null : (JSON.parse(line) as { tool: string; args: string[]; port: string }) };
  };
  return { dir, home, run, socketPath: pathsIn(home).socketPath };
}

const VITE_FLAGS = (port: string) => ['--port', port, '--strictPort', '--host', '127.0.0.1'];

describe('ports run adds the flags a dev server that ignores PORT needs', () => {
  it('called directly: by name on PATH, or by path; a --port of the user wins; --no-inject adds nothing', async () => {
    const { run } = await project({});
    const vite = await run(['--service', 'web', '--', 'vite', '--open']);
    expect(vite.code).toBe(0);
    const port = vite.got?.port ?? '';
    expect(vite.got).toEqual({ tool: 'vite', args: ['--open', ...VITE_FLAGS(port)], port });
    expect(vite.stderr).toBe(`ports: web → http://127.0.0.1:${port} (vite: --port ${port} --strictPort --host 127.0.0.1)\n`);

    const astro = await run(['--service', 'web', '--', 'node_modules/.bin/astro', 'dev']);
    expect(astro.got?.args).toEqual(['dev', '--port', port, '--host', '127.0.0.1']);

    const pinned = await run(['--service', 'web', '--', 'vite', '--port', '5000']);
    expect(pinned.got?.args).toEqual(['--port', '5000']);
    expect(pinned.stderr).toBe(`ports: web → http://127.0.0.1:${port} (vite: nothing added, the command already sets the port)\n`);

    const placeholder = await run(['--service', 'web', '--', 'vite', '--port={port}']);
    expect(placeholder.got?.args).toEqual([`--port=${port}`]);

    const off = await run(['--service', 'web', '--no-inject', '--', 'vite']);
    expect(off.got?.args).toEqual([]);
    expect(off.stderr).toBe(`ports: web → http://127.0.0.1:${port}\n`);
  });

  it('through npm run: after --, into the one command of the script; a script of several commands is left alone', async () => {
    const { run } = await project({ dev: 'NODE_ENV=development vite --open', both: 'ng serve && echo done' });
    const dev = await run(['--service', 'web', '--', 'npm', 'run', 'dev']);
    expect(dev.code).toBe(0);
    const port = dev.got?.port ?? '';
    expect(dev.got).toEqual({ tool: 'vite', args: ['--open', ...VITE_FLAGS(port)], port });

    const both = await run(['--service', 'web', '--', 'npm', 'run', 'both']);
    expect(both.got).toEqual({ tool: 'ng', args: ['serve'], port });
    expect(both.stderr).toContain('(angular: nothing added, the "both" script runs more than one command)');
  });

  it('without a command, runs the dev script with the package manager; without one, says what to write (exit 2)', async () => {
    const { run, home } = await project({ dev: 'vite' });
    const dev = await run(['--service', 'web']);
    expect(dev.code).toBe(0);
    const port = dev.got?.port ?? '';
    expect(dev.got).toEqual({ tool: 'vite', args: VITE_FLAGS(port), port });
    expect(dev.stderr).toBe(`ports: web → http://127.0.0.1:${port} (npm run dev; vite: --port ${port} --strictPort --host 127.0.0.1)\n`);

    const empty = join(home, 'empty');
    mkdirSync(join(empty, '.git'), { recursive: true });
    const nothing = await run(['--service', 'web'], empty);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toBe(`ports: no command, and no package.json in ${empty} to take a "dev" script from: name the command after --, e.g. ports run -- node server.js\n`);
  });
});
