import { Help, type Command, type Option } from 'commander';
import { commandPath } from './command-tree.js';
import { formatSuggestion, similarWords } from './suggest.js';

/**
 * The command `ports NAMES…` names, at any depth (`ports help daemon stop`), for `ports help`
 * (help/help-action.ts). A name that is not a command is a usage error (exit 2) worded like
 * commander's own: `unknown command 'daemon stp'` and `(Did you mean daemon stop?)` when one is
 * close.
 */
export function resolveCommand(program: Command, names: readonly string[]): Command {
  let command = program;
  for (const name of names) {
    const next = command.commands.find((sub) => sub.name() === name || sub.aliases().includes(name));
    if (next === undefined) return unknownSubcommand(command, name);
    command = next;
  }
  return command;
}

/** A usage error for `ports … PARENT NAME` where PARENT has no subcommand NAME. */
export function unknownSubcommand(parent: Command, name: string): never {
  // As typed after `ports`: `daemon stp`, not `ports daemon stp`.
  const prefix = parent.parent === null ? '' : `${commandPath(parent).split(' ').slice(1).join(' ')} `;
  const candidates = parent.createHelp().visibleCommands(parent).map((sub) => sub.name());
  const similar = similarWords(name, candidates).map((candidate) => `${prefix}${candidate}`);
  return parent.error(`error: unknown command '${prefix}${name}'${formatSuggestion(similar)}`, { code: 'commander.unknownCommand' });
}

/**
 * For a command with a default subcommand (`ports daemon` runs `ports daemon start`): its help
 * lists the default's options too, since they work without naming it (`ports daemon
 * --foreground`), and a word that is not a subcommand is an unknown command, not "too many
 * arguments for 'start'".
 */
export function showDefaultCommandOptions(parent: Command, defaultCommand: Command): void {
  parent.configureHelp({
    visibleOptions(this: Help, command: Command): Option[] {
      const own = Help.prototype.visibleOptions.call(this, command);
      if (command !== parent) return own;
      const borrowed = Help.prototype.visibleOptions.call(this, defaultCommand).filter((option) => option.long !== '--help');
      return [...borrowed, ...own];
    },
  });
  defaultCommand.allowExcessArguments(true);
  defaultCommand.hook('preAction', () => {
    const [word] = defaultCommand.args;
    if (word === undefined) return;
    // Named (`ports daemon start extra`): the default command's own complaint.
    if (parent.args[0] === defaultCommand.name()) {
      defaultCommand.error(`error: too many arguments for '${defaultCommand.name()}'. Expected 0 arguments but got ${defaultCommand.args.length}.`, {
        code: 'commander.excessArguments',
      });
    }
    unknownSubcommand(parent, word);
  });
}
