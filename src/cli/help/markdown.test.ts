import { describe, expect, it } from 'vitest';
import { parseMarkdown, sectionsAt, tableCells } from './markdown.js';

describe('parseMarkdown', () => {
  it('reads headings, paragraphs (lines joined) and fenced code', () => {
    expect(parseMarkdown('# Title\n\nOne line\nand the next.\n\n```json\n{ "a": 1 }\n\n  indented\n```\n## `ports x` ##\n')).toEqual([
      { type: 'heading', level: 1, text: 'Title' },
      { type: 'paragraph', text: 'One line and the next.' },
      { type: 'code', lang: 'json', lines: ['{ "a": 1 }', '', '  indented'] },
      { type: 'heading', level: 2, text: '`ports x`' },
    ]);
  });

  it('reads a pipe table; \\| is a bar inside a cell', () => {
    expect(parseMarkdown('| flag | meaning |\n|---|:--:|\n| `--a` | one `x \\| y` |\n| b | |\nafter')).toEqual([
      {
        type: 'table',
        header: ['flag', 'meaning'],
        rows: [
          ['`--a`', 'one `x | y`'],
          ['b', ''],
        ],
      },
      { type: 'paragraph', text: 'after' },
    ]);
    expect(tableCells('| a | b \\| c |')).toEqual(['a', 'b | c']);
  });

  it('reads lists: items with several lines, lazy lines, nested lists and code inside an item', () => {
    const blocks = parseMarkdown(['- first', '  continued', 'lazily', '- second:', '', '  ```', '  $ ports x', '  ```', '  - nested', '- third', '', 'text'].join('\n'));
    expect(blocks).toEqual([
      {
        type: 'list',
        ordered: false,
        start: 1,
        items: [
          [{ type: 'paragraph', text: 'first continued lazily' }],
          [
            { type: 'paragraph', text: 'second:' },
            { type: 'code', lang: '', lines: ['$ ports x'] },
            { type: 'list', ordered: false, start: 1, items: [[{ type: 'paragraph', text: 'nested' }]] },
          ],
          [{ type: 'paragraph', text: 'third' }],
        ],
      },
      { type: 'paragraph', text: 'text' },
    ]);
  });

  it('reads ordered lists from their first number, items apart by blank lines', () => {
    expect(parseMarkdown('3. three\n   more\n\n4. four\n')).toEqual([
      { type: 'list', ordered: true, start: 3, items: [[{ type: 'paragraph', text: 'three more' }], [{ type: 'paragraph', text: 'four' }]] },
    ]);
  });

  it('keeps a wrapped line that starts like "2. " in its paragraph', () => {
    expect(parseMarkdown('at most\n2. not a list')).toEqual([{ type: 'paragraph', text: 'at most 2. not a list' }]);
  });
});

describe('sectionsAt', () => {
  it('gives each heading of a level its blocks, subsections included, up to the next of that level or above', () => {
    const blocks = parseMarkdown('# T\nintro\n## A\na\n### A1\na1\n## B\nb\n# U\nu');
    expect(sectionsAt(blocks, 2).map((section) => [section.heading.text, section.blocks.length])).toEqual([
      ['A', 3],
      ['B', 1],
    ]);
  });
});
