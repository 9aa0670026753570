/**
 * The markdown of docs/ read into blocks, for `ports help TOPIC` (terminal.ts) and the man page
 * (roff.ts). Only what our docs use: ATX headings, paragraphs, fenced code, lists (nested, with
 * code inside items), pipe tables. Inline markdown stays raw text here; inline.ts reads it. Pure.
 */
export type Block =
  | { type: 'heading'; level: number; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'code'; lang: string; lines: string[] }
  | { type: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { type: 'table'; header: string[]; rows: string[][] };

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])( {1,4}|$)(.*)$/;
const TABLE_RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

const isBlank = (line: string | undefined): boolean => line === undefined || line.trim() === '';
const indentOf = (line: string): number => line.length - line.trimStart().length;

/** A list item can interrupt a paragraph only as `-`, `*`, `+` or `1.` (CommonMark), so a wrapped "2. " stays text. */
function interruptsParagraph(line: string): boolean {
  if (FENCE.test(line) || HEADING.test(line)) return true;
  const item = ITEM.exec(line);
  return item !== null && item[4] !== '' && (/^[-*+]$/.test(item[2] ?? '') || /^1[.)]$/.test(item[2] ?? ''));
}

function isTableStart(lines: readonly string[], at: number): boolean {
  return (lines[at] ?? '').trimStart().startsWith('|') && TABLE_RULE.test(lines[at + 1] ?? '');
}

/** Cells of a `| a | b |` row; `\|` is a literal bar (also inside code spans, as in GitHub's tables). */
export function tableCells(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

export function parseMarkdown(text: string): Block[] {
  return parseLines(text.replace(/\r\n?/g, '\n').split('\n'));
}

function parseLines(lines: readonly string[]): Block[] {
  const blocks: Block[] = [];
  let at = 0;
  while (at < lines.length) {
    const line = lines[at] ?? '';
    if (isBlank(line)) {
      at++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      at = readCode(lines, at, fence, blocks);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: 'heading', level: (heading[1] ?? '#').length, text: heading[2] ?? '' });
      at++;
      continue;
    }
    if (isTableStart(lines, at)) {
      const header = tableCells(line);
      const rows: string[][] = [];
      for (at += 2; at < lines.length && (lines[at] ?? '').trimStart().startsWith('|'); at++) rows.push(tableCells(lines[at] ?? ''));
      blocks.push({ type: 'table', header, rows });
      continue;
    }
    if (ITEM.test(line)) {
      at = readList(lines, at, blocks);
      continue;
    }
    const paragraph = [line.trim()];
    for (at++; at < lines.length && !isBlank(lines[at]) && !interruptsParagraph(lines[at] ?? '') && !isTableStart(lines, at); at++) {
      paragraph.push((lines[at] ?? '').trim());
    }
    blocks.push({ type: 'paragraph', text: paragraph.join(' ') });
  }
  return blocks;
}

function readCode(lines: readonly string[], at: number, fence: RegExpExecArray, blocks: Block[]): number {
  const marker = fence[1] ?? '```';
  const indent = indentOf(lines[at] ?? '');
  const body: string[] = [];
  let next = at + 1;
  for (; next < lines.length; next++) {
    const line = lines[next] ?? '';
    if (line.trim().startsWith(marker[0]!.repeat(marker.length)) && line.trim().replace(/[`~]/g, '') === '') {
      next++;
      break;
    }
    // Content is dedented by the fence's own indent (a fence inside a list item).
    body.push(line.slice(Math.min(indent, indentOf(line))));
  }
  blocks.push({ type: 'code', lang: fence[2] ?? '', lines: body });
  return next;
}

/** A list and its items; each item's lines (dedented to its content) are parsed as blocks of their own. */
function readList(lines: readonly string[], at: number, blocks: Block[]): number {
  const first = ITEM.exec(lines[at] ?? '') as RegExpExecArray;
  const markerIndent = (first[1] ?? '').length;
  const ordered = /\d/.test(first[2] ?? '');
  const items: string[][] = [];
  let contentIndent = 0;
  let next = at;
  while (next < lines.length) {
    const line = lines[next] ?? '';
    const item = ITEM.exec(line);
    if (item && (item[1] ?? '').length === markerIndent && /\d/.test(item[2] ?? '') === ordered) {
      contentIndent = markerIndent + (item[2] ?? '').length + Math.max(1, (item[3] ?? ' ').length);
      items.push([item[4] ?? '']);
      next++;
      continue;
    }
    const current = items.at(-1) as string[];
    if (isBlank(line)) {
      // A blank line ends the list unless more of this item (indented) or another item follows.
      let ahead = next + 1;
      while (ahead < lines.length && isBlank(lines[ahead])) ahead++;
      const following = lines[ahead] ?? '';
      const sibling = ITEM.exec(following);
      const continues = ahead < lines.length && (indentOf(following) >= contentIndent || (sibling !== null && (sibling[1] ?? '').length === markerIndent));
      if (!continues) break;
      current.push('');
      next++;
      continue;
    }
    if (indentOf(line) >= contentIndent) {
      current.push(line.slice(contentIndent));
    } else if (!isBlank(current.at(-1)) && !interruptsParagraph(line) && !isTableStart(lines, next)) {
      // A lazy continuation line of the item's paragraph.
      current.push(line.trim());
    } else {
      break;
    }
    next++;
  }
  blocks.push({ type: 'list', ordered, start: ordered ? Number.parseInt(first[2] ?? '1', 10) : 1, items: items.map((item) => parseLines(item)) });
  return next;
}

/** A heading and what belongs to it: the blocks up to the next heading of the same or a higher level. */
export interface Section {
  heading: Extract<Block, { type: 'heading' }>;
  blocks: Block[];
}

/** Every heading of `level` with its content (its subsections included). */
export function sectionsAt(blocks: readonly Block[], level: number): Section[] {
  const sections: Section[] = [];
  let current: Section | null = null;
  for (const block of blocks) {
    if (block.type === 'heading' && block.level <= level) {
      current = block.level === level ? { heading: block, blocks: [] } : null;
      if (current) sections.push(current);
      continue;
    }
    current?.blocks.push(block);
  }
  return sections;
}
