/**
 * Framework-aware injection for `ports run`: when the command starts a dev server that ignores
 * `PORT` (directly, or as the one command of a package.json script), the flags that make it
 * listen on the allocated port, added where that server will see them. Pure: argv, the folder's
 * scripts and the port in; the new argv, or nothing with an optional one-line note, out.
 *
 * Conservative on purpose: a flag is only added where the command line's meaning is certain.
 * Nothing is added when the user already chose the port (`--port`, `-p`, `--port=…`, `{port}`),
 * when a script runs more than one command or uses shell syntax, or when arguments could not
 * reach the server (`--` where the package manager would pass it on).
 */
import { findFramework, hasFlag, type Framework } from './frameworks.js';
import { programName, readLaunch } from './launch.js';
import { splitScript, skipEnvironment } from './script-words.js';

export interface InjectContext {
  /** The scripts of the current folder's package.json ({} when there is none). */
  scripts: Readonly<Record<string, string>>;
  port: number;
}

export type InjectPlan =
  /** `argv` is the command to run; `summary` says what was added, e.g. `vite: --port 3001 --strictPort`. */
  | { ok: true; argv: string[]; framework: string; added: string[]; summary: string }
  /** Nothing added. `note` is worth a word to the user (a known server left alone), else null. */
  | { ok: false; note: string | null };

const NOTHING = { ok: false, note: null } as const;

export function planInjection(argv: readonly string[], context: InjectContext): InjectPlan {
  const launch = readLaunch(argv, context.scripts);
  if (launch.kind === 'other') return NOTHING;
  if (launch.kind === 'program') {
    const program = argv.slice(launch.index);
    const decision = decide(program, [], context.port, 'the command');
    return decision.ok ? injected([...argv, ...decision.added], decision) : decision;
  }

  const text = context.scripts[launch.name] ?? '';
  const split = splitScript(text);
  const words = skipEnvironment(split.ok ? split.words : split.firstWords);
  const inner = readLaunch(words, {});
  if (inner.kind !== 'program') return NOTHING;
  const program = words.slice(inner.index);
  const where = `the "${launch.name}" script`;
  const framework = findFramework(programName(program[0] ?? ''));
  if (framework === undefined) return NOTHING;
  const nothingAdded = (why: string): InjectPlan => ({ ok: false, note: `${framework.name}: nothing added, ${why}` });
  if (!split.ok) {
    // Only worth a word when the first command would start a server (not for `vite build && …`).
    const positionals = program.slice(1).filter((arg) => !arg.startsWith('-'));
    return framework.extrasFor(positionals, programName(program[0] ?? '')) === null ? NOTHING : nothingAdded(`${where} ${split.reason}`);
  }

  const extra = argv.slice(launch.argsFrom);
  // npm needs `--` before arguments meant for the script; pnpm, yarn and bun pass every argument
  // after the script name on, `--` included, which the server would then see.
  if (launch.pm !== 'npm' && extra.includes('--')) return nothingAdded(`${launch.pm} would pass "--" on to ${where}`);
  const decision = decide(program, extra.filter((word) => word !== '--'), context.port, where);
  if (!decision.ok) return decision;
  const separator = launch.pm === 'npm' && !extra.includes('--') ? ['--'] : [];
  return injected([...argv, ...separator, ...decision.added], decision);
}

type Decision = { ok: true; framework: Framework; added: string[] } | { ok: false; note: string | null };

/**
 * The flags for `program` (its name and arguments) when given `extra` arguments too, or why none.
 * `where` names the command line for the note.
 */
function decide(program: readonly string[], extra: readonly string[], port: number, where: string): Decision {
  const bin = programName(program[0] ?? '');
  const framework = findFramework(bin);
  if (framework === undefined) return NOTHING;
  const args = [...program.slice(1), ...extra];
  const extras = framework.extrasFor(args.filter((arg) => !arg.startsWith('-')), bin);
  if (extras === null) return NOTHING;
  // The user placed the port themselves; nothing to say.
  if (args.some((arg) => arg.includes('{port}'))) return NOTHING;
  const note = (why: string): Decision => ({ ok: false, note: `${framework.name}: nothing added, ${why}` });
  if (hasFlag(program.slice(1), framework.portFlags)) return note(`${where} already sets the port`);
  if (hasFlag(extra, framework.portFlags)) return note('the command already sets the port');
  // After `--` flags are no longer flags, and a flag would become an argument.
  if (program.includes('--')) return note(`${where} has "--" before the end`);
  const added = ['--port', String(port)];
  for (const flag of extras) if (!hasFlag(args, flag.given)) added.push(...flag.add);
  return { ok: true, framework, added };
}

function injected(argv: string[], decision: { framework: Framework; added: string[] }): InjectPlan {
  const { framework, added } = decision;
  return { ok: true, argv, framework: framework.name, added, summary: `${framework.name}: ${added.join(' ')}` };
}
