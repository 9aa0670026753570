/**
 * Inline markdown (code spans, **strong**, *emphasis*, links, backslash escapes) read into spans
 * of plain text with a style, which each renderer marks up its own way. Links keep their text
 * only (the targets are other pages of docs/ or anchors in them); `<a id>` anchors are dropped.
 * Pure.
 */
export interface Span {
  text: string;
  code?: boolean;
  strong?: boolean;
  em?: boolean;
}

type Style = Omit<Span, 'text'>;

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;

export function parseInline(text: string): Span[] {
  const spans: Span[] = [];
  readInto(text, {}, spans);
  return merge(spans);
}

/** The text without markup: what a reader sees. */
export function plainText(text: string): string {
  return parseInline(text)
    .map((span) => span.text)
    .join('');
}

function push(spans: Span[], text: string, style: Style): void {
  if (text !== '') spans.push({ text, ...style });
}

function merge(spans: Span[]): Span[] {
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && last.code === span.code && last.strong === span.strong && last.em === span.em) last.text += span.text;
    else merged.push({ ...span });
  }
  return merged;
}

/** Where `[` at `open` closes with `](target)`: the end of the text and of the whole link, or null. */
function linkAt(text: string, open: number): { textEnd: number; end: number } | null {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '`') {
      const close = text.indexOf('`', i + 1);
      if (close === -1) return null;
      i = close;
    } else if (char === '[') depth++;
    else if (char === ']' && --depth === 0) {
      if (text[i + 1] !== '(') return null;
      const end = text.indexOf(')', i + 2);
      return end === -1 ? null : { textEnd: i, end: end + 1 };
    }
  }
  return null;
}

function readInto(text: string, style: Style, spans: Span[]): void {
  let plain = '';
  const flush = (): void => {
    push(spans, plain, style);
    plain = '';
  };
  for (let i = 0; i < text.length; ) {
    const char = text[i] as string;
    const next = text[i + 1] ?? '';
    if (char === '\\' && PUNCTUATION.test(next)) {
      plain += next;
      i += 2;
      continue;
    }
    if (char === '`') {
      const run = /^`+/.exec(text.slice(i))?.[0] ?? '`';
      const close = text.indexOf(run, i + run.length);
      if (close !== -1) {
        flush();
        let code = text.slice(i + run.length, close);
        // One space on both sides is padding (`` `x` `` for a backtick), not content.
        if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ')) code = code.slice(1, -1);
        push(spans, code, { ...style, code: true });
        i = close + run.length;
        continue;
      }
    }
    if (char === '[') {
      const link = linkAt(text, i);
      if (link) {
        flush();
        readInto(text.slice(i + 1, link.textEnd), style, spans);
        i = link.end;
        continue;
      }
    }
    if (char === '<') {
      const tag = /^<\/?a(\s[^>]*)?>/i.exec(text.slice(i)) ?? /^<(https?:\/\/[^>\s]+)>/.exec(text.slice(i));
      if (tag) {
        plain += tag[0].startsWith('<http') ? (tag[1] ?? '') : '';
        i += tag[0].length;
        continue;
      }
    }
    const delimiter = emphasisAt(text, i);
    if (delimiter) {
      flush();
      readInto(text.slice(i + delimiter.marker.length, delimiter.close), { ...style, ...delimiter.style }, spans);
      i = delimiter.close + delimiter.marker.length;
      continue;
    }
    plain += char;
    i++;
  }
  flush();
}

/** `**…**`, `*…*` or `_…_` opening at `i` with a matching close, or null (then the characters are text). */
function emphasisAt(text: string, i: number): { marker: string; close: number; style: Style } | null {
  const marker = text.startsWith('**', i) ? '**' : text[i] === '*' || text[i] === '_' ? (text[i] as string) : null;
  if (marker === null) return null;
  const after = text[i + marker.length] ?? '';
  const before = text[i - 1] ?? '';
  if (after === '' || /\s/.test(after)) return null;
  // snake_case and the like: `_` inside a word is a letter.
  if (marker === '_' && WORD.test(before)) return null;
  for (let close = text.indexOf(marker, i + marker.length); close !== -1; close = text.indexOf(marker, close + 1)) {
    if (close === i + marker.length) continue;
    if (marker === '*' && text[close + 1] === '*') {
      close++;
      continue;
    }
    if (/\s/.test(text[close - 1] ?? '')) continue;
    if (marker === '_' && WORD.test(text[close + 1] ?? '')) continue;
    // A code span in between is opaque: a marker inside it does not close.
    const between = text.slice(i + marker.length, close);
    if ((between.match(/`/g)?.length ?? 0) % 2 === 1) continue;
    return { marker, close, style: marker === '**' ? { strong: true } : { em: true } };
  }
  return null;
}
