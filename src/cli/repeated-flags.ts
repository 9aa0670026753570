/**
 * A flag given twice is a usage error, not "the last one wins": `release --service alpha
 * --service beta` used to release only beta, silently. Commander keeps the last value, so this
 * watches each option as it is parsed. A boolean flag given twice means the same as once and is
 * let through; a flag and its `--no-` form together (`--pid 5 --no-pid`) contradict each other.
 * Options marked with `allowRepeats` (and variadic ones) collect every value instead.
 */
import type { EventEmitter } from 'node:events';
import type { Command, Option } from 'commander';

const repeatable = new WeakSet<Option>();

/** Mark an option whose every value is used (variadic, or an argParser that collects them); document that it repeats. */
export function allowRepeats(option: Option): Option {
  repeatable.add(option);
  return option;
}

export interface FlagUse {
  /** The flag as typed: `--port`, `--no-pid`. */
  flag: string;
  /** The flag that set the value before, when the command line already did. */
  earlierFlag: string | null;
  earlierValue: unknown;
  value: unknown;
  takesValue: boolean;
}

/** Why this use of a flag is an error (without the `ports: ` prefix), or null. Pure. */
export function repeatProblem(use: FlagUse): string | null {
  if (use.earlierFlag === null) return null;
  if (use.earlierFlag !== use.flag) return `${use.earlierFlag} and ${use.flag} cannot be used together`;
  if (!use.takesValue) return null;
  return `${use.flag} was given more than once ('${String(use.earlierValue)}', '${String(use.value)}'); it takes one value`;
}

function flagOf(option: Option): string {
  return option.long ?? option.short ?? option.flags;
}

/** Apply the rule to every option of `command` (not its subcommands). */
export function rejectRepeatedFlags(command: Command): void {
  for (const option of command.options) {
    if (option.variadic || repeatable.has(option)) continue;
    const key = option.attributeName();
    // `--pid <pid>` and `--no-pid` share the value `pid`: false came from the negation.
    const siblings = command.options.filter((other) => other.attributeName() === key);
    const negation = siblings.find((other) => other.negate);
    const positive = siblings.find((other) => !other.negate);
    // A Command is an EventEmitter (its typings show only `on`). Prepended, this runs before
    // commander's own listener stores the new value, so the stored one is the earlier use's.
    (command as unknown as EventEmitter).prependListener(`option:${option.name()}`, (value: unknown) => {
      const fromCli = command.getOptionValueSource(key) === 'cli';
      const earlier: unknown = fromCli ? command.getOptionValue(key) : undefined;
      const earlierOption = !fromCli ? null : earlier === false && negation ? negation : (positive ?? option);
      const problem = repeatProblem({
        flag: flagOf(option),
        earlierFlag: earlierOption ? flagOf(earlierOption) : null,
        earlierValue: earlier,
        value,
        takesValue: option.required || option.optional,
      });
      if (problem !== null) command.error(`error: ${problem}`, { code: 'commander.repeatedOption' });
    });
  }
}
