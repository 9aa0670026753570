import { describe, expect, it } from 'vitest';
import { parseMarkdown } from './markdown.js';
import { escapeRoff, inlineRoff, renderRoff, textLine } from './roff.js';

const render = (markdown: string) => renderRoff(parseMarkdown(markdown), { heading: (level, text) => [`.H${level} ${text}`] });

describe('roff escapes', () => {
  it.each([
    ['back\\slash', 'back\\eslash'],
    ['--flag', '\\-\\-flag'],
    ["it's `x`", 'it\\(aqs \\(gax\\(ga'],
    ['→ …', '\\[u2192] \\[u2026]'],
    ['emoji 😀', 'emoji \\[u1F600]'],
    ['bell\u0007', 'bell'],
  ])('%j → %j', (text, roff) => {
    expect(escapeRoff(text)).toBe(roff);
  });

  it('makes a line that starts with . or \' text, not a request', () => {
    expect(textLine('.SH not a section')).toBe('\\&.SH not a section');
    expect(textLine("'br")).toBe("\\&'br");
    expect(inlineRoff('.hidden request')).toBe('\\&.hidden request');
    expect(render('```\n.TH evil\n\'br\n```')).toEqual(['.PP', '.RS 4', '.nf', '\\&.TH evil', '\\(aqbr', '.fi', '.RE']);
  });

  it('sets code and strong in bold, emphasis in italics, and lets long words break after , / -', () => {
    expect(inlineRoff('run `ports x` *now* **here**')).toBe('run \\fBports x\\fR \\fInow\\fR \\fBhere\\fR');
    expect(inlineRoff('`{"a":1,"b":2,"c":3,"d":4,"e":5}`')).toBe('\\fB{"a":1,\\:"b":2,\\:"c":3,\\:"d":4,\\:"e":5}\\fR');
  });
});

describe('renderRoff', () => {
  it('turns tables into tagged paragraphs, with the header as a label beyond two columns', () => {
    expect(render('| flag | meaning |\n|---|---|\n| `--x` | does x |')).toEqual(['.TP', '\\fB\\-\\-x\\fR', 'does x']);
    expect(render('| code | meaning | errors |\n|---|---|---|\n| 2 | usage | `E_USAGE` |')).toEqual(['.TP', '2', 'meaning: usage', '.br', 'errors: \\fBE_USAGE\\fR']);
  });

  it('turns lists into indented paragraphs, keeping code and nested lists inside the item', () => {
    expect(render('- one\n\n  ```\n  $ x\n  ```\n\n  more\n- two\n  1. sub')).toEqual([
      '.IP \\(bu 2',
      'one',
      '.RS',
      '.sp',
      '.RS 4',
      '.nf',
      '$ x',
      '.fi',
      '.RE',
      '.RE',
      '.IP "" 2',
      'more',
      '.IP \\(bu 2',
      'two',
      '.RS',
      '.IP 1. 4',
      'sub',
      '.RE',
    ]);
  });
});
