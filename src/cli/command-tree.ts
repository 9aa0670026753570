import type { Command } from 'commander';

/** The command and every subcommand below it, parents first. */
export function walkCommands(root: Command): Command[] {
  return [root, ...root.commands.flatMap((command) => walkCommands(command))];
}

/** How the user types it: `ports`, `ports allocate`, `ports daemon stop`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}
