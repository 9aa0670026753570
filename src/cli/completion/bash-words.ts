/**
 * What bash's readline replaces when it takes a completion, and how a value must be quoted to
 * replace it. Readline's word is not bash's word: it starts after the last unquoted character
 * of COMP_WORDBREAKS (`:` `=` `@` … so `api:v` is completed from `v`), or after an opening
 * quote left open (`'ci` from `ci`). The reply is the rest of the value from there, quoted for
 * that place: backslashes where unquoted, as is inside '…' (a `'` as '\''), escaped `" $ \` \`
 * inside "…". Pure.
 */
import { unquoteWord } from './line.js';

export const DEFAULT_WORDBREAKS = ' \t\n"\'@><=;|&(:';

const SAFE = /[A-Za-z0-9_@%+=:,./-]/;

interface ReadlineWord {
  /** Where in the typed word readline's word starts. */
  start: number;
  /** The quote left open at the end of the word, if any. */
  quote: "'" | '"' | null;
}

export function readlineWord(raw: string, breaks = DEFAULT_WORDBREAKS): ReadlineWord {
  let start = 0;
  let quote: "'" | '"' | null = null;
  let opened = 0;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i] as string;
    if (quote === "'") {
      if (char === "'") quote = null;
    } else if (char === '\\') {
      i++;
    } else if (quote === '"') {
      if (char === '"') quote = null;
    } else if (char === "'" || char === '"') {
      quote = char;
      opened = i;
    } else if (breaks.includes(char)) {
      start = i + 1;
    }
  }
  return quote === null ? { start, quote } : { start: opened + 1, quote };
}

export function quoteForBash(text: string, quote: "'" | '"' | null): string {
  if (quote === "'") return text.replace(/'/g, "'\\''");
  if (quote === '"') return text.replace(/["$`\\]/g, '\\$&');
  return text.replace(/[\s\S]/g, (char) => (SAFE.test(char) ? char : `\\${char}`));
}

/** COMPREPLY's entry for `value`, the word typed being `raw` (value starts with raw unquoted). */
export function bashReplacement(value: string, raw: string, breaks = DEFAULT_WORDBREAKS): string {
  const word = readlineWord(raw, breaks);
  const kept = unquoteWord(raw.slice(0, word.start));
  return quoteForBash(value.slice(kept.length), word.quote);
}
