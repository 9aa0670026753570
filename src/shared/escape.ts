/**
 * Text another process chose — its command line, working folder, `comm` — made safe to print in
 * human output. Without this a process named `evil\x1b[2J` clears the user's screen and one with
 * a newline in its argv forges a line of our output. Pure.
 *
 * Rendered visibly: backslash as `\\` (so the result is unambiguous), newline, CR and tab as
 * `\n`, `\r`, `\t`, other C0 controls and DEL as `\xHH`, C1 controls (U+0080–U+009F, which some
 * terminals obey like ESC sequences) and the Unicode line separators and bidi controls (which
 * reorder or break what is displayed) as `\uHHHH`. Everything else, non-ASCII letters included,
 * is left alone. JSON output does not use this: JSON.stringify already escapes.
 */
const NAMED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

// DEL, C1, U+061C (Arabic letter mark), U+200E/F (LRM/RLM), U+2028/9 (line and paragraph
// separators), U+202A–U+202E and U+2066–U+2069 (bidi embeddings, overrides, isolates): what
// JSON.stringify leaves raw. With C0 and backslash, what escapeText escapes.
const BEYOND_JSON = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const UNSAFE = new RegExp(`[\\u0000-\\u001f\\\\${BEYOND_JSON}]`, 'g');
const UNSAFE_IN_JSON = new RegExp(`[${BEYOND_JSON}]`, 'g');

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of process-provided text, safe for a terminal: nothing in it can move the cursor or end the line. */
export function escapeText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** JSON text (whose C0 controls, quotes and backslashes JSON.stringify has escaped already) made safe the same way. */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_IN_JSON, escapeChar);
}

const UNSAFE_BUT_BACKSLASH = new RegExp(`[\\u0000-\\u001f${BEYOND_JSON}]`, 'g');

/**
 * A message of our own that may quote such text: its line breaks are kept (messages such as the
 * configuration errors span lines), every other control character is escaped as above.
 * Backslashes are left as they are: a daemon's message arrives with other processes' text
 * escaped already (`Port 3001 is in use by pid 1234 (evil\x1b[2J)`), and escaping it again
 * would double them. A backslash cannot move the cursor or end a line.
 */
export function escapeMessage(text: string): string {
  return text.split('\n').map((line) => line.replace(UNSAFE_BUT_BACKSLASH, escapeChar)).join('\n');
}
