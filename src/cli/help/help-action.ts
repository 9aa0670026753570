/**
 * `ports help [NAMES…] [--full]`:
 * - no names: the program's help; with --full, all of docs/cli.md;
 * - a command (`allocate`, `daemon stop`): its --help, then where its whole page is; with
 *   --full, that page (its `## ports …` section of docs/cli.md);
 * - `topics`: the list of topics; a topic (`exit-codes`, `health`): its page;
 * - anything else: a usage error (exit 2) with the closest commands and topics.
 * Pages go to stdout, wrapped to 80 columns (or $COLUMNS on a terminal), bold only when
 * colour is allowed.
 */
import type { Command } from 'commander';
import { commandPath } from '../command-tree.js';
import { resolveCommand } from '../help-command.js';
import type { Output } from '../output.js';
import { formatSuggestion, similarWords } from '../suggest.js';
import { readCliPage, readDocPages } from './docs.js';
import { renderTerminal, type TerminalStyle } from './terminal.js';
import { collectTopics, findTopic, formatTopicList, type Topic } from './topics.js';

export interface HelpFlags {
  full?: boolean;
}

const WIDTH = 80;

function styleFor(out: Output, env: NodeJS.ProcessEnv): TerminalStyle {
  const columns = Number.parseInt(env['COLUMNS'] ?? '', 10);
  const width = out.isTTY && Number.isFinite(columns) ? Math.min(Math.max(columns, 40), 100) : WIDTH;
  return { width, bold: out.bold };
}

/** The page of a command path, or of the nearest command above it that has one. */
function commandPage(topics: readonly Topic[], path: string): Topic | undefined {
  const words = path.split(' ');
  for (let length = words.length; length > 0; length--) {
    const topic = findTopic(topics, words.slice(0, length).join(' '));
    if (topic?.command) return topic;
  }
  return undefined;
}

export function runHelp(program: Command, names: readonly string[], flags: HelpFlags, out: Output, env: NodeJS.ProcessEnv): number {
  const style = styleFor(out, env);
  const print = (topic: { blocks: Topic['blocks'] }): number => {
    out.result(renderTerminal(topic.blocks, style).trimEnd());
    return 0;
  };
  const [first] = names;
  if (first === undefined) {
    if (!flags.full) program.outputHelp();
    return flags.full ? print(readCliPage()) : 0;
  }
  if (program.commands.some((command) => command.name() === first || command.aliases().includes(first))) {
    const command = resolveCommand(program, names);
    const path = commandPath(command).split(' ').slice(1).join(' ');
    let page: Topic | undefined;
    try {
      page = commandPage(collectTopics([readCliPage()]), path);
    } catch (error) {
      // Without docs/ the --help is still there; only the page asked for is missing.
      if (flags.full) throw error;
    }
    if (flags.full && page) return print(page);
    command.outputHelp();
    if (page) out.result(`\nThe whole page: ports help ${page.name} --full (other topics: ports help topics)`);
    else if (flags.full) out.message(`ports: docs/cli.md has no section on ports ${path}; above is its --help`);
    return 0;
  }
  const topics = collectTopics(readDocPages());
  if (names.length === 1 && first === 'topics') {
    out.result(formatTopicList(topics));
    return 0;
  }
  const topic = names.length === 1 ? findTopic(topics, first) : undefined;
  if (topic) return print(topic);
  const candidates = [
    ...program.createHelp().visibleCommands(program).map((command) => command.name()),
    'topics',
    ...topics.filter((candidate) => !candidate.command).map((candidate) => candidate.name),
  ];
  return program.error(`error: unknown command or help topic '${names.join(' ')}'${formatSuggestion(similarWords(first, candidates))}`, {
    code: 'commander.unknownCommand',
  });
}
