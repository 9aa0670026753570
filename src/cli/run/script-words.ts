/**
 * The words of a package.json script, read conservatively: enough to see which command it starts
 * and with which arguments, never enough to run it. Pure.
 *
 * A package manager runs a script with `sh -c SCRIPT ARGS…`-like semantics and appends the extra
 * arguments to the script text, so flags given to `npm run dev -- …` land after the script's
 * last word. That is only where the server's arguments are when the script is one simple
 * command; anything else (`&&`, `|`, `;`, `&`, redirections, subshells, substitutions, comments,
 * more lines) is refused here, with the first command's words kept so the caller can say which
 * tool it saw.
 */
export type ScriptWords =
  | { ok: true; words: string[] }
  | { ok: false; reason: string; firstWords: string[] };

/** Characters that end the first command (`;` `&` `|` and a newline). */
const SEPARATORS = new Set([';', '&', '|', '\n']);
/** Characters whose shell meaning we do not follow when unquoted. */
const UNSUPPORTED = new Set(['<', '>', '(', ')', '`']);

export function splitScript(text: string): ScriptWords {
  const words: string[] = [];
  let word: string | null = null;
  const refuse = (reason: string): ScriptWords => ({ ok: false, reason, firstWords: word === null ? words : [...words, word] });
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (char === ' ' || char === '\t') {
      if (word !== null) words.push(word);
      word = null;
      continue;
    }
    // Even a trailing `;` or newline is refused: the appended flags would become a command of their own.
    if (SEPARATORS.has(char)) return refuse('runs more than one command');
    if (UNSUPPORTED.has(char)) return refuse(`uses shell syntax ports does not follow (${char})`);
    if (char === '#' && word === null) return refuse('ends in a comment');
    if (char === '$' && text[i + 1] === '(') return refuse('uses shell syntax ports does not follow (command substitution)');
    if (char === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return refuse('has an unclosed quote');
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
      continue;
    }
    if (char === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j += 1) {
        if (text[j] === '`' || (text[j] === '$' && text[j + 1] === '(')) return refuse('uses shell syntax ports does not follow (command substitution)');
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1] as string)) j += 1;
        value += text[j];
      }
      if (j >= text.length) return refuse('has an unclosed quote');
      word = (word ?? '') + value;
      i = j;
      continue;
    }
    if (char === '\\') {
      if (i + 1 >= text.length) return refuse('ends in a backslash');
      if (text[i + 1] === '\n') return refuse('runs more than one command');
      word = (word ?? '') + text[i + 1];
      i += 1;
      continue;
    }
    word = (word ?? '') + char;
  }
  if (word !== null) words.push(word);
  return { ok: true, words };
}

/**
 * The command words after leading `VAR=value` assignments and a `cross-env VAR=value …` or
 * `env VAR=value …` prefix, which only set the environment.
 */
export function skipEnvironment(words: readonly string[]): string[] {
  const assignment = /^[A-Za-z_][A-Za-z0-9_]*=/;
  let i = 0;
  while (i < words.length && assignment.test(words[i] as string)) i += 1;
  if (words[i] === 'cross-env' || words[i] === 'env') {
    i += 1;
    while (i < words.length && assignment.test(words[i] as string)) i += 1;
  }
  return words.slice(i);
}
