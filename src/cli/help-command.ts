import type { Command } from 'commander';
import { commandPath } from './command-tree.js';
import { formatSuggestion, similarWords } from './suggest.js';

/**
 * `ports help [COMMAND...]`: the help of a command, at any depth (`ports help daemon stop`), on
 * stdout, exit 0. A name that is not a command is a usage error (exit 2) worded like commander's
 * own: `unknown command 'daemon stp'` and `(Did you mean daemon stop?)` when one is close.
 */
export function showHelp(program: Command, names: readonly string[]): number {
  let command = program;
  for (const name of names) {
    const next = command.commands.find((sub) => sub.name() === name || sub.aliases().includes(name));
    if (next === undefined) {
      // Typed after `ports`: `daemon stp`, not `ports daemon stp`.
      const prefix = command === program ? '' : `${commandPath(command).split(' ').slice(1).join(' ')} `;
      const candidates = command.createHelp().visibleCommands(command).map((sub) => sub.name());
      const similar = similarWords(name, candidates).map((candidate) => `${prefix}${candidate}`);
      return command.error(`error: unknown command '${prefix}${name}'${formatSuggestion(similar)}`, { code: 'commander.unknownCommand' });
    }
    command = next;
  }
  command.outputHelp();
  return 0;
}
