import { describe, expect, it } from 'vitest';
import { quietProgram } from '../../../test/helpers/program.js';
import { commandPath, walkCommands } from '../command-tree.js';
import { readDocPages } from './docs.js';
import { parseMarkdown } from './markdown.js';
import { collectTopics, commandTopicName, findTopic, formatTopicList, slug } from './topics.js';

describe('commandTopicName', () => {
  it.each([
    ['`ports allocate [SERVICE]`', { name: 'allocate', aliases: [] }],
    ['`ports daemon [start]`', { name: 'daemon', aliases: ['daemon start'] }],
    ['`ports daemon stop`', { name: 'daemon stop', aliases: [] }],
    ['`ports release [PORT...]`', { name: 'release', aliases: [] }],
    ['Exit codes', null],
    ['`ports`', null],
  ])('%s', (heading, topic) => {
    expect(commandTopicName(heading)).toEqual(topic);
  });
});

describe('collectTopics', () => {
  const pages = [
    { file: 'cli.md', blocks: parseMarkdown('# CLI\nintro\n## Output rules\no\n## Exit codes\ne\n## `ports daemon [start]`\nd\n### Sub\ns\n## `ports who`\nw') },
    { file: 'configuration.md', blocks: parseMarkdown('# Configuration\nc') },
    { file: 'health.md', blocks: parseMarkdown('# The HealthMonitor\nh') },
  ];
  const topics = collectTopics(pages);

  it('names sections of cli.md by their heading, other pages by their file, commands by their path', () => {
    expect(topics.map((topic) => [topic.name, topic.title, topic.command, topic.source])).toEqual([
      ['output', 'Output rules', false, 'docs/cli.md'],
      ['exit-codes', 'Exit codes', false, 'docs/cli.md'],
      ['config', 'Configuration', false, 'docs/configuration.md'],
      ['health', 'The HealthMonitor', false, 'docs/health.md'],
      ['daemon', 'ports daemon [start]', true, 'docs/cli.md'],
      ['who', 'ports who', true, 'docs/cli.md'],
    ]);
  });

  it("keeps a section's heading and subsections, and finds a topic by an alias", () => {
    expect(findTopic(topics, 'daemon start')?.blocks).toEqual([
      { type: 'heading', level: 2, text: '`ports daemon [start]`' },
      { type: 'paragraph', text: 'd' },
      { type: 'heading', level: 3, text: 'Sub' },
      { type: 'paragraph', text: 's' },
    ]);
    expect(findTopic(topics, 'nope')).toBeUndefined();
  });

  it('lists the topics, then the command pages', () => {
    expect(formatTopicList(topics)).toBe(
      [
        'Help topics (ports help TOPIC):',
        '  output      Output rules',
        '  exit-codes  Exit codes',
        '  config      Configuration (docs/configuration.md)',
        '  health      The HealthMonitor (docs/health.md)',
        '',
        'Command pages, beyond --help (ports help COMMAND --full):',
        '  daemon  ports daemon [start]',
        '  who     ports who',
        '',
        'ports help --full shows the whole of docs/cli.md; man ports the same as a man page.',
      ].join('\n'),
    );
    expect(slug('Which socket?')).toBe('which-socket');
  });
});

describe('the shipped docs', () => {
  const topics = collectTopics(readDocPages());

  it('have a page for every command section, each naming a command that exists', () => {
    const paths = new Set(walkCommands(quietProgram()).map((command) => commandPath(command).replace(/^ports ?/, '')));
    const pages = topics.filter((topic) => topic.command);
    expect(pages.map((topic) => topic.name)).toEqual(expect.arrayContaining(['allocate', 'daemon', 'daemon stop', 'run', 'completion', 'help']));
    for (const page of pages) expect(paths, page.title).toContain(page.name);
  });

  it('have the topics docs/cli.md promises, and no two topics share a name', () => {
    for (const name of ['output', 'exit-codes', 'autostart', 'socket', 'environment', 'health', 'config']) expect(findTopic(topics, name), name).toBeDefined();
    const names = topics.flatMap((topic) => [topic.name, ...topic.aliases]);
    expect(new Set(names).size).toBe(names.length);
  });
});
