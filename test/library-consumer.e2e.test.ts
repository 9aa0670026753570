import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, startTestDaemon } from './helpers/daemon.js';
import { runProcess } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * The library as a user gets it: what `npm pack` ships, installed into a project of its own
 * (node_modules/portkeeper, its dependencies from this checkout), used from plain ESM and from
 * TypeScript compiled with this repository's compiler.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(ROOT, 'test', 'fixtures');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const run = promisify(execFile);

let project = '';

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'index.d.ts'))) throw new Error('dist/ is not built: run `npm run build` first');
  project = mkdtempSync(join(tmpdir(), 'pk-consumer-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], { cwd: ROOT, timeout: 30_000 });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  mkdirSync(join(project, 'node_modules'));
  await run('tar', ['-xzf', join(project, packed!.filename), '-C', project], { timeout: 30_000 });
  const installed = join(project, 'node_modules', 'portkeeper');
  renameSync(join(project, 'package'), installed);
  // Its dependencies (zod, pino …) and the consumer's @types/node, from this checkout.
  symlinkSync(join(ROOT, 'node_modules'), join(installed, 'node_modules'), 'dir');
  mkdirSync(join(project, 'node_modules', '@types'));
  symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), 'dir');
  cpSync(join(FIXTURES, 'consumer-esm'), join(project, 'esm'), { recursive: true });
  cpSync(join(FIXTURES, 'consumer-ts'), join(project, 'ts'), { recursive: true });
}, 60_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/** A real daemon in a temp folder; the consumer reaches it through PORTS_SOCKET and starts none. */
async function daemonEnv(): Promise<NodeJS.ProcessEnv> {
  const dir = useTempDir();
  await startTestDaemon(dir);
  return cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
}

function tsc(args: string[]) {
  return runProcess(process.execPath, [TSC, ...args], { env: process.env, cwd: join(project, 'ts'), timeoutMs: 55_000 });
}

describe('the packed library, from a project of its own', () => {
  it('works from plain ESM: portkeeper and portkeeper/testing', async () => {
    const env = await daemonEnv();
    const result = await runProcess(process.execPath, [join(project, 'esm', 'main.mjs')], { env, cwd: join(project, 'esm') });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; awaitUsing: string };
    expect(report.ok).toBe(true);
    // `await using` is checked where this Node parses it (not Node 20); Symbol.asyncDispose always.
    expect(['ok', 'unsupported']).toContain(report.awaitUsing);
  });

  it('compiles typed examples with TypeScript (strict, nodenext) and runs them', async () => {
    const compiled = await tsc(['-p', 'tsconfig.json']);
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.code).toBe(0);
    const env = await daemonEnv();
    const result = await runProcess(process.execPath, [join(project, 'ts', 'dist', 'examples.js')], { env, cwd: join(project, 'ts') });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      distinct: 4,
      webSkippedHeld: true,
      rangedInRange: true,
      releasedWeb: true,
      released: 3,
      code: 'E_INVALID_REQUEST',
      testPort: 3001,
      closedCode: 'E_DAEMON_UNREACHABLE',
    });
  }, 60_000);

  it('type-checks with moduleResolution bundler too', async () => {
    const checked = await tsc(['-p', 'tsconfig.bundler.json']);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);
  }, 60_000);

  it('rejects every misuse line at compile time', async () => {
    // The project compiles only because each misuse line has its @ts-expect-error; without them, each is an error.
    const source = readFileSync(join(project, 'ts', 'misuse.ts'), 'utf8');
    const expected = source.split('\n').filter((line) => line.startsWith('// @ts-expect-error')).length;
    writeFileSync(join(project, 'ts', 'misuse-bare.ts'), source.replaceAll(/^\/\/ @ts-expect-error.*\n/gm, ''));
    writeFileSync(
      join(project, 'ts', 'tsconfig.bare.json'),
      JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true, skipLibCheck: true }, include: ['misuse-bare.ts'] }),
    );
    const checked = await tsc(['-p', 'tsconfig.bare.json']);
    const errors = checked.stdout.split('\n').filter((line) => line.startsWith('misuse-bare.ts('));
    expect(errors, checked.stdout).toHaveLength(expected);
    expect(expected).toBeGreaterThanOrEqual(10);
  }, 60_000);
});
