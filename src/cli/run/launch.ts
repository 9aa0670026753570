/**
 * What a command line starts: a program directly (`vite`, `node_modules/.bin/vite`, `npx vite`,
 * `pnpm exec vite`), or a package.json script through a package manager (`npm run dev`,
 * `npm start`, `pnpm dev`, `yarn run dev`, `bun run dev`). Pure; only forms whose argument
 * passing is documented are recognised, everything else is `other`.
 */
import type { PackageManager } from './package-manager.js';

export type Launch =
  /** `argv[index]` is the program; what follows are its arguments. */
  | { kind: 'program'; index: number }
  /** The package.json script `name`; `argv[argsFrom…]` are the extra arguments given to the package manager. */
  | { kind: 'script'; pm: PackageManager; name: string; argsFrom: number }
  | { kind: 'other' };

/** Flags of the package managers and runners that change nothing about what runs or where. */
const QUIET_FLAGS = new Set(['-s', '--silent', '--if-present', '-q', '--quiet']);
const RUNNER_FLAGS = new Set(['-y', '--yes', '--no', '--no-install', '-q', '--quiet', '--bun']);

/**
 * Commands of npm, pnpm, yarn and bun that are not scripts: `pnpm install` installs even when
 * package.json has an `install` script. (Each tool gives its own commands precedence.)
 */
const BUILTINS = new Set([
  'add', 'audit', 'bin', 'build', 'cache', 'ci', 'config', 'create', 'dedupe', 'deploy', 'dlx', 'env', 'exec', 'fetch', 'help',
  'i', 'import', 'info', 'init', 'install', 'link', 'list', 'ln', 'login', 'logout', 'ls', 'node', 'npm', 'outdated', 'pack',
  'patch', 'pm', 'prune', 'publish', 'rebuild', 'remove', 'repl', 'rm', 'root', 'run', 'run-script', 'set', 'setup', 'start',
  'store', 't', 'test', 'un', 'uninstall', 'unlink', 'up', 'update', 'upgrade', 'version', 'why', 'workspace', 'workspaces', 'x',
]);

/** The program's name: the last part of its path, without an `@version` (`npx vite@5`). */
export function programName(word: string): string {
  const last = word.slice(word.lastIndexOf('/') + 1);
  const at = last.lastIndexOf('@');
  return at > 0 ? last.slice(0, at) : last;
}

export function readLaunch(argv: readonly string[], scripts: Readonly<Record<string, string>>): Launch {
  const first = argv[0];
  if (first === undefined) return { kind: 'other' };
  const name = programName(first);
  if (name === 'npx' || name === 'bunx') return runner(argv, 1);
  if (name === 'npm') return readNpm(argv, scripts);
  if (name === 'pnpm' || name === 'yarn' || name === 'bun') return readOther(name, argv, scripts);
  return { kind: 'program', index: 0 };
}

/** `npx [flags] [--] PROGRAM …`: the program at the first word that is not a runner flag. */
function runner(argv: readonly string[], from: number): Launch {
  let i = from;
  while (RUNNER_FLAGS.has(argv[i] ?? '')) i += 1;
  if (argv[i] === '--') i += 1;
  const word = argv[i];
  return word === undefined || word.startsWith('-') ? { kind: 'other' } : { kind: 'program', index: i };
}

function skipQuiet(argv: readonly string[], from: number): number {
  let i = from;
  while (QUIET_FLAGS.has(argv[i] ?? '')) i += 1;
  return i;
}

/** A script of this folder's package.json, or nothing (a script we cannot read is not followed). */
function script(pm: PackageManager, name: string | undefined, argsFrom: number, scripts: Readonly<Record<string, string>>): Launch {
  return name !== undefined && Object.hasOwn(scripts, name) ? { kind: 'script', pm, name, argsFrom } : { kind: 'other' };
}

/** `npm run X`, `npm run-script X`, `npm start`, `npm exec -- PROGRAM` (npm parses flags before `--` itself). */
function readNpm(argv: readonly string[], scripts: Readonly<Record<string, string>>): Launch {
  const i = skipQuiet(argv, 1);
  const command = argv[i];
  if (command === 'run' || command === 'run-script') {
    const at = skipQuiet(argv, i + 1);
    return script('npm', argv[at], at + 1, scripts);
  }
  if (command === 'start') return script('npm', 'start', i + 1, scripts);
  if ((command === 'exec' || command === 'x') && argv[i + 1] === '--') return runner(argv, i + 2);
  return { kind: 'other' };
}

/**
 * pnpm, yarn and bun: `run X`; for pnpm and yarn also `start` and the bare `X` for a script that
 * is not one of their commands; `pnpm exec PROGRAM`, `bun x PROGRAM`; `yarn PROGRAM`,
 * `yarn run PROGRAM` and `bun run PROGRAM` run a program from node_modules/.bin when no script
 * has that name.
 */
function readOther(pm: 'pnpm' | 'yarn' | 'bun', argv: readonly string[], scripts: Readonly<Record<string, string>>): Launch {
  const i = skipQuiet(argv, 1);
  const command = argv[i];
  if (command === undefined || command.startsWith('-')) return { kind: 'other' };
  if (command === 'run' || command === 'run-script') {
    const at = skipQuiet(argv, i + 1);
    const name = argv[at];
    if (name !== undefined && Object.hasOwn(scripts, name)) return script(pm, name, at + 1, scripts);
    return pm === 'pnpm' ? { kind: 'other' } : runner(argv, at);
  }
  if ((pm === 'pnpm' && command === 'exec') || (pm === 'bun' && command === 'x')) return runner(argv, i + 1);
  // The bare forms (`pnpm dev`, `yarn dev`, `pnpm start`) are documented for pnpm and yarn only.
  if (pm === 'bun') return { kind: 'other' };
  if (command === 'start') return script(pm, 'start', i + 1, scripts);
  if (BUILTINS.has(command)) return { kind: 'other' };
  if (Object.hasOwn(scripts, command)) return script(pm, command, i + 1, scripts);
  return pm === 'yarn' ? { kind: 'program', index: i } : { kind: 'other' };
}
