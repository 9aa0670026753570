/**
 * The man page ports(1), from docs/cli.md: NAME from the program's description, SYNOPSIS from
 * the first code block, DESCRIPTION from the text before the first section, then each `##`
 * section: the `ports …` ones as subsections of COMMANDS (in their order), the others as
 * sections of their own in capitals (EXIT CODES, ENVIRONMENT …), and SEE ALSO. Pure.
 */
import { plainText } from './inline.js';
import { parseMarkdown, sectionsAt, type Block } from './markdown.js';
import { escapeRoff, inlineRoff, macroArgument, renderRoff, textLine } from './roff.js';
import { commandTopicName } from './topics.js';

export interface ManPageInput {
  /** docs/cli.md */
  markdown: string;
  version: string;
  /** One line: what ports is. */
  description: string;
  /** Other pages of docs/, for SEE ALSO (file names). */
  otherDocs: readonly string[];
}

const bold = (text: string): string[] => ['.PP', `.B ${macroArgument(text)}`];

export function renderManPage(input: ManPageInput): string {
  const blocks = parseMarkdown(input.markdown);
  const firstSection = blocks.findIndex((block) => block.type === 'heading' && block.level === 2);
  const intro = (firstSection === -1 ? blocks : blocks.slice(0, firstSection)).filter((block) => block.type !== 'heading');
  const synopsis = intro.find((block): block is Extract<Block, { type: 'code' }> => block.type === 'code');
  const lines = [
    '.\\" ports(1): generated from docs/cli.md by `npm run build` (src/cli/help/build-man.ts). Do not edit.',
    `.TH PORTS 1 "" ${macroArgument(`portkeeper ${input.version}`)} "User Commands"`,
    // Flush left, no hyphenation: long flags and JSON would otherwise be stretched or split.
    '.ad l',
    '.nh',
    '.SH NAME',
    textLine(`ports \\- ${escapeRoff(input.description.replace(/\.$/, ''))}`),
    '.SH SYNOPSIS',
    '.nf',
    ...(synopsis?.lines ?? ['ports COMMAND [OPTIONS]']).map((line) => textLine(escapeRoff(line))),
    '.fi',
    '.SH DESCRIPTION',
    ...renderRoff(
      intro.filter((block) => block !== synopsis),
      { heading: (_level, text) => bold(text) },
    ),
  ];
  const sections = sectionsAt(blocks, 2);
  const commands = sections.filter((section) => commandTopicName(section.heading.text) !== null);
  let commandsDone = false;
  for (const section of sections) {
    const isCommand = commandTopicName(section.heading.text) !== null;
    if (isCommand && commandsDone) continue;
    if (isCommand) {
      // Every command's section together, where the first one is.
      commandsDone = true;
      lines.push('.SH COMMANDS');
      for (const command of commands) {
        lines.push(`.SS ${macroArgument(plainText(command.heading.text))}`, ...renderRoff(command.blocks, { heading: (_level, text) => bold(text) }));
      }
      continue;
    }
    lines.push(
      `.SH ${macroArgument(plainText(section.heading.text).toUpperCase())}`,
      ...renderRoff(section.blocks, { heading: (level, text) => (level === 3 ? [`.SS ${macroArgument(text)}`] : bold(text)) }),
    );
  }
  lines.push(
    '.SH "SEE ALSO"',
    '.PP',
    inlineRoff(
      `\`ports help topics\` lists the help topics; \`ports help TOPIC\` shows one, \`ports help COMMAND --full\` a command's section of this page. The package's \`docs/\` folder has the rest: ${input.otherDocs.map((file) => `\`${file}\``).join(', ')}.`,
    ),
  );
  return `${lines.join('\n')}\n`;
}
