import { describe, expect, it } from 'vitest';
import { parseMarkdown } from './markdown.js';
import { renderTerminal, safeText } from './terminal.js';

const plain = { width: 40, bold: (text: string) => text };
const render = (markdown: string, style = plain) => renderTerminal(parseMarkdown(markdown), style);

describe('renderTerminal', () => {
  it('puts headings flush left, indents and wraps the text, and strips the markup', () => {
    expect(render('## `ports x`\n\nSome **strong** words and `code` and a [link](other.md) that go on past the width.\n\n### Sub\n\ntext')).toBe(
      ['ports x', '', '    Some strong words and code and a', '    link that go on past the width.', '', '  Sub', '', '    text', ''].join('\n'),
    );
  });

  it('indents code further and never wraps it', () => {
    const long = 'x'.repeat(60);
    expect(render(`\`\`\`\n$ ports ${long}\n\n  kept\n\`\`\``)).toBe(`        $ ports ${long}\n\n          kept\n`);
  });

  it('shows lists with their markers and hanging indents', () => {
    expect(render('- one two three four five six seven eight\n- two\n\n1. first\n2. second')).toBe(
      ['    - one two three four five six seven', '      eight', '    - two', '', '    1. first', '    2. second', ''].join('\n'),
    );
  });

  it('aligns a table that fits; one that does not becomes entries with their descriptions indented', () => {
    expect(render('| a | b |\n|---|---|\n| `x` | yes |\n| long | no |')).toBe(['    a     b', '    x     yes', '    long  no', ''].join('\n'));
    expect(render('| flag | meaning |\n|---|---|\n| `--x` | a description far too long for one line of forty |')).toBe(
      ['    --x', '        a description far too long for', '        one line of forty', ''].join('\n'),
    );
    expect(render('| code | meaning | errors |\n|---|---|---|\n| 2 | usage error, wrongly | `E_USAGE` |')).toBe(
      ['    2', '        meaning: usage error, wrongly', '        errors: E_USAGE', ''].join('\n'),
    );
  });

  it('marks headings and strong text with the style given (colour on a terminal)', () => {
    const bold = { width: 80, bold: (text: string) => `<${text}>` };
    expect(render('## Title\n\nA **b** c', bold)).toBe('<Title>\n\n    A <b> c\n');
  });

  it('shows control characters instead of obeying them, and leaves backslashes alone', () => {
    expect(safeText('evil\u001b[2J\u009b \\n')).toBe('evil\\x1b[2J\\u009b \\n');
    expect(render('a\u0007b')).toBe('    a\\x07b\n');
  });
});
