/**
 * The command tree as completion sees it, read from the commander program at run time, so a
 * command or flag added to program.ts completes without an edit here. What a value is (a
 * service name, a port, a file) is told by the flag's or argument's name: the tables below,
 * which a new flag with one of these names (or a `<file>`/`<dir>` placeholder) joins by itself.
 */
import type { Argument, Command, Option } from 'commander';

export type ValueKind =
  /** Live, from the running daemon: */
  | 'services'
  | 'ports'
  | 'owners'
  | 'pids'
  /** From the config the daemon would load, and the daemon: */
  | 'types'
  | 'log-levels'
  /** Left to the shell: */
  | 'files'
  | 'dirs'
  /** `ports help`: commands and topics. */
  | 'help';

export interface OptionSpec {
  /** `--service`, and `-h` where there is a short form. */
  names: string[];
  description: string;
  takesValue: boolean;
  /** Two flags with the same key (`--pid`, `--no-pid`) set one value: once either is given, neither is offered. */
  key: string;
  repeatable: boolean;
  choices: readonly string[];
  kinds: ValueKind[];
}

export interface ArgumentSpec {
  name: string;
  variadic: boolean;
  choices: readonly string[];
  kinds: ValueKind[];
}

export interface CommandSpec {
  name: string;
  aliases: string[];
  description: string;
  subcommands: CommandSpec[];
  options: OptionSpec[];
  args: ArgumentSpec[];
  /** After its first argument (or `--`) the rest is another command line (`ports run -- CMD …`). */
  commandLine: boolean;
}

const OPTION_KINDS: Readonly<Record<string, ValueKind[]>> = {
  '--service': ['services'],
  '--owner': ['owners'],
  '--pid': ['pids'],
  '--type': ['types'],
  '--log-level': ['log-levels'],
  '--socket': ['files'],
  '--portserver-socket': ['files'],
  '--config': ['files'],
  '--state-dir': ['dirs'],
};
const PLACEHOLDER_KINDS: Readonly<Record<string, ValueKind[]>> = { file: ['files'], dir: ['dirs'] };
const ARGUMENT_KINDS: Readonly<Record<string, ValueKind[]>> = {
  service: ['services'],
  port: ['ports'],
  ports: ['ports'],
  'port-or-service': ['ports', 'services'],
};

function optionKinds(option: Option): ValueKind[] {
  const placeholder = /<([a-z-]+)>/.exec(option.flags)?.[1] ?? '';
  return OPTION_KINDS[option.long ?? ''] ?? PLACEHOLDER_KINDS[placeholder] ?? [];
}

function describeOption(option: Option): OptionSpec {
  return {
    names: [option.long, option.short].filter((name): name is string => typeof name === 'string'),
    description: option.description,
    takesValue: option.required || option.optional,
    key: option.attributeName(),
    repeatable: option.variadic,
    choices: option.argChoices ?? [],
    kinds: option.argChoices ? [] : optionKinds(option),
  };
}

function describeArgument(command: Command, argument: Argument): ArgumentSpec {
  return {
    name: argument.name(),
    variadic: argument.variadic,
    choices: argument.argChoices ?? [],
    kinds: command.name() === 'help' ? ['help'] : (ARGUMENT_KINDS[argument.name()] ?? []),
  };
}

/** The visible commands and options of `command` and below (hidden ones, like `__complete`, left out). */
export function describeCommand(command: Command): CommandSpec {
  const help = command.createHelp();
  // Commander keeps this setting private; `ports run` is the command that sets it.
  const passThrough = (command as unknown as { _passThroughOptions?: boolean })._passThroughOptions === true;
  const args = command.registeredArguments.map((argument) => describeArgument(command, argument));
  return {
    name: command.name(),
    aliases: command.aliases(),
    description: command.summary() || command.description(),
    subcommands: help.visibleCommands(command).map((sub) => describeCommand(sub)),
    // Help's view: a default subcommand's flags count as the parent's (`ports daemon --foreground`).
    options: help.visibleOptions(command).map((option) => describeOption(option)),
    args,
    commandLine: passThrough && args.at(-1)?.variadic === true,
  };
}
