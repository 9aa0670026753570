/**
 * What to offer for the word being typed, given the words before it (after `ports`, unquoted).
 * The one place that knows the command line's grammar; the shell scripts only show the answer.
 * Pure: values that need the daemon or the docs are named (`kinds`) for the caller to fetch.
 */
import type { ArgumentSpec, CommandSpec, OptionSpec, ValueKind } from './spec.js';

export interface Candidate {
  value: string;
  description: string;
}

export type CompletionPlan =
  | {
      type: 'values';
      /** Offered as they are. */
      candidates: Candidate[];
      /** Offered once fetched. */
      kinds: ValueKind[];
      /** Candidates must start with this (the word typed, after any `--flag=`). */
      prefix: string;
      /** Put before each candidate: `--service=` when the word was typed that way. */
      insert: string;
      /** Already given (the other ports of `ports release 3000 …`): not offered again. */
      exclude: string[];
    }
  | { type: 'files' | 'dirs'; insert: string }
  /** The words from `offset` on are another command line (`ports run -- CMD …`); `offset` may be the word being typed. */
  | { type: 'command'; offset: number }
  | { type: 'none' };

interface Position {
  command: CommandSpec;
  /** The command whose subcommand this is, for `ports daemon help …`. */
  parent: CommandSpec | null;
  positionals: string[];
  usedKeys: Set<string>;
  /** After `--`: every word is an argument. */
  argumentsOnly: boolean;
  /** The option whose value the next word is. */
  pending: OptionSpec | null;
  /** Where another command line starts, once one has. */
  commandAt: number | null;
}

const findOption = (command: CommandSpec, name: string): OptionSpec | undefined => command.options.find((option) => option.names.includes(name));
const findSubcommand = (command: CommandSpec, name: string): CommandSpec | undefined =>
  command.subcommands.find((sub) => sub.name === name || sub.aliases.includes(name));

function walk(root: CommandSpec, words: readonly string[]): Position {
  const at: Position = { command: root, parent: null, positionals: [], usedKeys: new Set(), argumentsOnly: false, pending: null, commandAt: null };
  words.forEach((word, index) => {
    if (at.commandAt !== null) return;
    if (at.pending !== null) {
      at.pending = null;
      return;
    }
    if (word === '--' && !at.argumentsOnly) {
      if (at.command.commandLine) at.commandAt = index + 1;
      at.argumentsOnly = true;
      return;
    }
    if (word.startsWith('-') && word !== '-' && !at.argumentsOnly) {
      const [name = word] = word.split('=', 1);
      const option = findOption(at.command, name);
      if (option === undefined) return;
      at.usedKeys.add(option.key);
      if (option.takesValue && !word.includes('=')) at.pending = option;
      return;
    }
    const sub = at.positionals.length === 0 && !at.argumentsOnly ? findSubcommand(at.command, word) : undefined;
    if (sub) {
      Object.assign(at, { parent: at.command, command: sub, positionals: [], usedKeys: new Set() });
      return;
    }
    if (at.command.commandLine) at.commandAt = index;
    at.positionals.push(word);
  });
  return at;
}

function valuesOf(option: OptionSpec, prefix: string, insert: string): CompletionPlan {
  if (option.kinds.includes('files')) return { type: 'files', insert };
  if (option.kinds.includes('dirs')) return { type: 'dirs', insert };
  if (option.choices.length === 0 && option.kinds.length === 0) return { type: 'none' };
  return values(
    option.choices.map((value) => ({ value, description: '' })),
    option.kinds,
    prefix,
    { insert },
  );
}

function values(candidates: Candidate[], kinds: ValueKind[], prefix: string, more: { insert?: string; exclude?: string[] } = {}): CompletionPlan {
  return { type: 'values', candidates, kinds, prefix, insert: more.insert ?? '', exclude: more.exclude ?? [] };
}

function optionCandidates(at: Position): Candidate[] {
  return at.command.options
    .filter((option) => option.repeatable || !at.usedKeys.has(option.key))
    .flatMap((option) => option.names.filter((name) => name.startsWith('--')).map((value) => ({ value, description: option.description })));
}

const commandCandidates = (command: CommandSpec): Candidate[] => command.subcommands.map((sub) => ({ value: sub.name, description: sub.description }));

/** The argument the next positional word fills, if any. */
function argumentAt(command: CommandSpec, index: number): ArgumentSpec | undefined {
  const last = command.args.at(-1);
  return command.args[index] ?? (last?.variadic ? last : undefined);
}

export function planCompletion(root: CommandSpec, words: readonly string[], current: string): CompletionPlan {
  const at = walk(root, words);
  if (at.commandAt !== null) return { type: 'command', offset: at.commandAt };
  if (at.pending !== null) return valuesOf(at.pending, current, '');
  if (current.startsWith('-') && !at.argumentsOnly) {
    const equals = current.indexOf('=');
    if (current.startsWith('--') && equals !== -1) {
      const option = findOption(at.command, current.slice(0, equals));
      const insert = current.slice(0, equals + 1);
      return option?.takesValue ? valuesOf(option, current.slice(equals + 1), insert) : { type: 'none' };
    }
    return values(optionCandidates(at), [], current);
  }
  // `ports run CMD`: the first argument starts the command line.
  if (at.command.commandLine && at.positionals.length === 0) return { type: 'command', offset: words.length };
  const subcommands = at.positionals.length === 0 && !at.argumentsOnly ? commandCandidates(at.command) : [];
  const argument = argumentAt(at.command, at.positionals.length);
  if (argument?.kinds.includes('help')) return helpValues(root, at, current);
  if (argument === undefined && subcommands.length === 0) {
    // Nothing positional left: the flags, when nothing is typed yet.
    return current === '' && !at.argumentsOnly ? values(optionCandidates(at), [], current) : { type: 'none' };
  }
  const choices = (argument?.choices ?? []).map((value) => ({ value, description: '' }));
  return values([...subcommands, ...choices], argument?.kinds ?? [], current, { exclude: argument?.variadic ? at.positionals : [] });
}

/** `ports help WORD…`: commands (and at the top, topics), then their subcommands. */
function helpValues(root: CommandSpec, at: Position, current: string): CompletionPlan {
  let command: CommandSpec | null = at.parent;
  for (const word of at.positionals) command = command ? (findSubcommand(command, word) ?? null) : null;
  if (command === null) return { type: 'none' };
  const top = at.positionals.length === 0 && at.parent === root;
  // `ports daemon help` is commander's; `ports daemon help help` is not worth offering.
  const candidates = commandCandidates(command).filter((candidate) => top || candidate.value !== 'help');
  return values(candidates, top ? ['help'] : [], current);
}
