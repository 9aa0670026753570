/**
 * A command line as the shell will split it, for completion: bash hands over the line up to
 * the cursor (COMP_LINE), because its own word list (COMP_WORDS) is also split at `:` and `=`,
 * which service names and `--flag=value` contain. Quotes and backslashes are removed as the
 * shell would; an unterminated quote at the end is the word being typed. Pure.
 */
export interface Word {
  /** As the command will see it. */
  value: string;
  /** As typed. */
  raw: string;
}

/** Escapes that keep their backslash's meaning inside double quotes. */
const DOUBLE_QUOTED_ESCAPES = new Set(['$', '`', '"', '\\', '\n']);

export function splitWords(line: string): Word[] {
  return tokenize(line).words;
}

/** The words, and whether the last one is still open (no unquoted space after it). */
function tokenize(line: string): { words: Word[]; open: boolean } {
  const words: Word[] = [];
  let word: Word | null = null;
  let quote: '"' | "'" | null = null;
  const start = (): Word => {
    if (word === null) {
      word = { value: '', raw: '' };
      words.push(word);
    }
    return word;
  };
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote === null && /\s/.test(char)) {
      word = null;
      continue;
    }
    const current = start();
    current.raw += char;
    if (quote === "'") {
      if (char === "'") quote = null;
      else current.value += char;
    } else if (char === '\\') {
      const next = line[i + 1];
      if (next === undefined) continue;
      current.raw += next;
      i++;
      if (quote === '"' && !DOUBLE_QUOTED_ESCAPES.has(next)) current.value += '\\';
      if (next !== '\n') current.value += next;
    } else if (quote === '"') {
      if (char === '"') quote = null;
      else current.value += char;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else {
      current.value += char;
    }
  }
  return { words, open: word !== null };
}

export interface CompletionLine {
  /** The words after the command name, before the one being typed. */
  words: string[];
  /** The word being typed ('' after a space). */
  current: Word;
}

/** The line up to the cursor: `ports get we` → words [get], current `we`. Leading `NAME=value` assignments are skipped. */
export function completionLine(line: string): CompletionLine {
  const { words, open } = tokenize(line);
  const current = open ? (words.pop() as Word) : { value: '', raw: '' };
  let first = 0;
  while (first < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[first]?.raw ?? '')) first++;
  return { words: words.slice(first + 1).map((word) => word.value), current };
}

/** One word as typed (fish hands over the current token raw) → its value. */
export function unquoteWord(raw: string): string {
  return splitWords(raw)
    .map((word) => word.value)
    .join(' ');
}
