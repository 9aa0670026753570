/**
 * Markdown blocks as man(7) roff, for the man page built from docs/cli.md (man-page.ts). Only
 * the classic macros (TH, SH, SS, PP, TP, IP, RS/RE, nf/fi, B), so groff, mandoc and old `man`
 * all read it; tables become tagged paragraphs (no tbl). Everything that roff would read as
 * markup is escaped. Pure.
 */
import { parseInline, plainText, type Span } from './inline.js';
import type { Block } from './markdown.js';

/** Text for a roff text line: backslashes, hyphens, quotes and everything beyond ASCII as named escapes. */
export function escapeRoff(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === '\\') out += '\\e';
    else if (char === '-') out += '\\-';
    else if (char === "'") out += "\\(aq";
    else if (char === '`') out += '\\(ga';
    else if (char === '\t') out += '    ';
    else if (code < 0x20 || code === 0x7f) out += '';
    else if (code > 0x7e) out += `\\[u${code.toString(16).toUpperCase().padStart(4, '0')}]`;
    else out += char;
  }
  return out;
}

/** A line roff would take for a request (a leading `.` or `'`) made text with `\&`. */
export function textLine(line: string): string {
  return /^[.']/.test(line) ? `\\&${line}` : line;
}

/** A macro argument: quoted, with its quotes escaped. */
export function macroArgument(text: string): string {
  return `"${escapeRoff(text).replace(/"/g, '\\(dq')}"`;
}

/** Long unbroken words (JSON, paths) may break after a comma or slash (`\:`), so filled lines never overrun. */
const LONG_WORD = 30;

function breakable(text: string): string {
  return text
    .split(/(\s+)/)
    .map((word) => (word.length > LONG_WORD ? word.split(/(?<=[,/-])/).map(escapeRoff).join('\\:') : escapeRoff(word)))
    .join('');
}

function formatSpans(spans: readonly Span[]): string {
  return spans
    .map((span) => {
      const text = breakable(span.text);
      if (span.code || span.strong) return `\\fB${text}\\fR`;
      if (span.em) return `\\fI${text}\\fR`;
      return text;
    })
    .join('');
}

/** One paragraph's inline markdown as a single roff text line (roff fills it). */
export function inlineRoff(markdown: string): string {
  return textLine(formatSpans(parseInline(markdown)).replace(/\s+/g, ' ').trim());
}

export interface RoffOptions {
  /** How to set a heading of this level (`.SH`, `.SS`, or a bold line below those). */
  heading(level: number, text: string): string[];
}

export function renderRoff(blocks: readonly Block[], options: RoffOptions): string[] {
  return blocks.flatMap((block) => renderBlock(block, options));
}

function renderBlock(block: Block, options: RoffOptions): string[] {
  switch (block.type) {
    case 'heading':
      return options.heading(block.level, plainText(block.text));
    case 'paragraph':
      return ['.PP', inlineRoff(block.text)];
    case 'code':
      return ['.PP', '.RS 4', '.nf', ...block.lines.map((line) => textLine(escapeRoff(line))), '.fi', '.RE'];
    case 'list':
      return renderList(block, options);
    case 'table':
      return block.rows.flatMap((row) => [
        '.TP',
        inlineRoff(row[0] ?? ''),
        ...row.slice(1).flatMap((cell, i) => {
          if (cell.trim() === '') return [];
          const label = block.header.length > 2 ? `${escapeRoff(plainText(block.header[i + 1] ?? ''))}: ` : '';
          return [...(i > 0 ? ['.br'] : []), textLine(label + inlineRoff(cell).replace(/^\\&/, ''))];
        }),
      ]);
  }
}

/** Items as indented paragraphs; an item's further blocks (code, a nested list) stay inside its indent. */
function renderList(block: Extract<Block, { type: 'list' }>, options: RoffOptions): string[] {
  const width = block.ordered ? 4 : 2;
  return block.items.flatMap((item, i) => {
    const tag = block.ordered ? `${block.start + i}.` : '\\(bu';
    const [first, ...rest] = item;
    const lines = [`.IP ${tag} ${width}`];
    if (first?.type === 'paragraph') lines.push(inlineRoff(first.text));
    const nested = first?.type === 'paragraph' ? rest : item;
    for (const inner of nested) {
      if (inner.type === 'paragraph') lines.push(`.IP "" ${width}`, inlineRoff(inner.text));
      else lines.push('.RS', ...renderBlock(inner, options).map((line) => (line === '.PP' ? '.sp' : line)), '.RE');
    }
    return lines;
  });
}
