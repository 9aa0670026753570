/**
 * Markdown blocks as text for a terminal or a pipe (`ports help TOPIC`): headings flush left,
 * text indented and wrapped to `width`, code blocks indented further and never wrapped, lists
 * with their markers, tables as aligned columns when they fit and as a term followed by its
 * indented description when they do not. Markup is removed; `bold` marks headings and strong
 * text when colour is allowed (the caller decides: TTY, NO_COLOR). Pure.
 */
import { escapeJsonText } from '../../shared/escape.js';
import { parseInline, plainText, type Span } from './inline.js';
import type { Block } from './markdown.js';

export interface TerminalStyle {
  width: number;
  bold(text: string): string;
}

const BODY = 4;
const SUBHEADING = 2;
const CODE = 4;
const DESCRIPTION = 4;

/** Control characters in the docs (there should be none) shown, never obeyed. Backslashes stay as written. */
export function safeText(text: string): string {
  return escapeJsonText(text.replace(/\t/g, '    ').replace(/[\u0000-\u001f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

export function renderTerminal(blocks: readonly Block[], style: TerminalStyle): string {
  return `${renderBlocks(blocks, 0, style).join('\n').replace(/\n{3,}/g, '\n\n').replace(/^\n+/, '').trimEnd()}\n`;
}

/** Each block as lines at `indent` (body text below headings is indented further), blank lines between. */
function renderBlocks(blocks: readonly Block[], indent: number, style: TerminalStyle): string[] {
  const lines: string[] = [];
  for (const block of blocks) {
    if (lines.length > 0) lines.push('');
    lines.push(...renderBlock(block, indent, style));
  }
  return lines;
}

function renderBlock(block: Block, indent: number, style: TerminalStyle): string[] {
  const body = indent === 0 ? BODY : indent;
  switch (block.type) {
    case 'heading': {
      const at = indent + (block.level <= 2 ? 0 : SUBHEADING);
      return ['', ' '.repeat(at) + style.bold(safeText(plainText(block.text)))];
    }
    case 'paragraph':
      return wrap(parseInline(block.text), body, style);
    case 'code':
      return block.lines.map((line) => (line.trim() === '' ? '' : ' '.repeat(body + CODE) + safeText(line)));
    case 'list':
      return block.items.flatMap((item, i) => {
        const marker = block.ordered ? `${block.start + i}. ` : '- ';
        const lines = renderBlocks(item, body + marker.length, style);
        const first = lines.findIndex((line) => line.trim() !== '');
        if (first !== -1) lines[first] = ' '.repeat(body) + marker + (lines[first] as string).slice(body + marker.length);
        return lines;
      });
    case 'table':
      return renderTable(block.header, block.rows, body, style);
  }
}

/** Words of the spans (styled), each with the length it shows on screen. */
function wordsOf(spans: readonly Span[], style: TerminalStyle): Array<{ text: string; width: number }> {
  const words: Array<{ text: string; width: number }> = [];
  let current: { text: string; width: number } | null = null;
  for (const span of spans) {
    for (const piece of safeText(span.text).split(/(\s+)/)) {
      if (piece === '') continue;
      if (/^\s+$/.test(piece)) {
        current = null;
        continue;
      }
      if (current === null) {
        current = { text: '', width: 0 };
        words.push(current);
      }
      current.text += span.strong ? style.bold(piece) : piece;
      current.width += piece.length;
    }
  }
  return words;
}

/** Fill lines of at most `style.width` columns (a longer word gets a line of its own). */
function wrap(spans: readonly Span[], indent: number, style: TerminalStyle): string[] {
  const room = Math.max(20, style.width - indent);
  const lines: string[] = [];
  let line = '';
  let width = 0;
  for (const word of wordsOf(spans, style)) {
    if (width > 0 && width + 1 + word.width > room) {
      lines.push(' '.repeat(indent) + line);
      line = '';
      width = 0;
    }
    line += (width > 0 ? ' ' : '') + word.text;
    width += (width > 0 ? 1 : 0) + word.width;
  }
  if (width > 0) lines.push(' '.repeat(indent) + line);
  return lines;
}

function renderTable(header: readonly string[], rows: readonly string[][], indent: number, style: TerminalStyle): string[] {
  const plain = [header, ...rows].map((row) => header.map((_, i) => safeText(plainText(row[i] ?? ''))));
  const widths = header.map((_, i) => Math.max(...plain.map((row) => (row[i] ?? '').length)));
  if (indent + widths.reduce((sum, width) => sum + width + 2, 0) <= style.width) {
    return plain.map((row, r) => {
      const line = ' '.repeat(indent) + row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
      return r === 0 ? style.bold(line) : line;
    });
  }
  // Too wide: each row as its first cell, then the others below it, indented (like `man`'s tagged paragraphs).
  return rows.flatMap((row, r) => {
    const lines = r > 0 ? [''] : [];
    lines.push(...wrap(parseInline(row[0] ?? ''), indent, style));
    row.slice(1).forEach((cell, i) => {
      if (cell.trim() === '') return;
      const label = header.length > 2 ? `${plainText(header[i + 1] ?? '')}: ` : '';
      lines.push(...wrap([{ text: label }, ...parseInline(cell)], indent + DESCRIPTION, style));
    });
    return lines;
  });
}
