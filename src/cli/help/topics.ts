/**
 * The help topics, taken from docs/ as shipped, so a section added there is a topic without an
 * edit here: each `## ports …` section of cli.md is the page of that command (`ports help
 * allocate --full`), each other `##` section of cli.md a topic (`ports help exit-codes`), and
 * every other page of docs/ a topic as a whole (`ports help health`). Pure.
 */
import { plainText } from './inline.js';
import { sectionsAt, type Block } from './markdown.js';

export interface DocPage {
  /** File name in docs/: `cli.md`. */
  file: string;
  blocks: Block[];
}

export interface Topic {
  name: string;
  /** Other names that find it (`daemon start` for `ports daemon [start]`). */
  aliases: string[];
  title: string;
  /** A command's section of cli.md. */
  command: boolean;
  /** Where it comes from: `docs/cli.md`. */
  source: string;
  /** Its heading first. */
  blocks: Block[];
}

export const CLI_PAGE = 'cli.md';

/** Shorter names for a few topics than their headings give. */
const TOPIC_NAMES: Readonly<Record<string, string>> = { 'Output rules': 'output', 'Which socket': 'socket' };
const FILE_TOPICS: Readonly<Record<string, string>> = { 'configuration.md': 'config' };

/** `ports daemon [start]` → `daemon` (also `daemon start`), `ports allocate [SERVICE]` → `allocate`; null when the heading is not a command's. */
export function commandTopicName(heading: string): { name: string; aliases: string[] } | null {
  const words = plainText(heading).trim().split(/\s+/);
  if (words.shift() !== 'ports') return null;
  const name: string[] = [];
  while (words.length > 0 && /^[a-z][a-z0-9-]*$/.test(words[0] as string)) name.push(words.shift() as string);
  if (name.length === 0) return null;
  const optional = /^\[([a-z][a-z0-9-]*)\]$/.exec(words[0] ?? '');
  return { name: name.join(' '), aliases: optional ? [`${name.join(' ')} ${optional[1]}`] : [] };
}

export function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function collectTopics(pages: readonly DocPage[]): Topic[] {
  const topics: Topic[] = [];
  const commands: Topic[] = [];
  const cli = pages.find((page) => page.file === CLI_PAGE);
  for (const section of cli ? sectionsAt(cli.blocks, 2) : []) {
    const title = plainText(section.heading.text);
    const command = commandTopicName(section.heading.text);
    const topic = {
      name: command?.name ?? TOPIC_NAMES[title] ?? slug(title),
      aliases: command?.aliases ?? [],
      title,
      command: command !== null,
      source: `docs/${CLI_PAGE}`,
      blocks: [section.heading, ...section.blocks],
    };
    (command ? commands : topics).push(topic);
  }
  for (const page of pages) {
    if (page.file === CLI_PAGE) continue;
    const heading = page.blocks.find((block) => block.type === 'heading');
    topics.push({
      name: FILE_TOPICS[page.file] ?? page.file.replace(/\.md$/, ''),
      aliases: [],
      title: heading?.type === 'heading' ? plainText(heading.text) : page.file,
      command: false,
      source: `docs/${page.file}`,
      blocks: page.blocks,
    });
  }
  return [...topics, ...commands];
}

export function findTopic(topics: readonly Topic[], name: string): Topic | undefined {
  return topics.find((topic) => topic.name === name || topic.aliases.includes(name));
}

/** `ports help topics`: the topics, then the command pages, each with its title. Pure. */
export function formatTopicList(topics: readonly Topic[]): string {
  const column = (list: readonly Topic[]): string[] => {
    const width = Math.max(...list.map((topic) => topic.name.length));
    return list.map((topic) => `  ${topic.name.padEnd(width)}  ${topic.title}${topic.source === `docs/${CLI_PAGE}` ? '' : ` (${topic.source})`}`);
  };
  const guides = topics.filter((topic) => !topic.command);
  const commands = topics.filter((topic) => topic.command);
  return [
    'Help topics (ports help TOPIC):',
    ...column(guides),
    '',
    'Command pages, beyond --help (ports help COMMAND --full):',
    ...column(commands),
    '',
    'ports help --full shows the whole of docs/cli.md; man ports the same as a man page.',
  ].join('\n');
}
