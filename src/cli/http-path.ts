/**
 * The PATH of `ports wait --http`: an origin-form request target (`/health`, `/api?ready=1`),
 * made safe to put on the request line. Characters a request line may not carry raw (space,
 * quotes, `<>`, `\`, `^`, backtick, `{|}`, non-ASCII, a `%` not starting an escape) are
 * percent-encoded as UTF-8; existing `%XX` escapes are kept. Refused: a path not starting with
 * `/` (no scheme or host can be slipped in), control characters (a CR or LF would split the
 * request), a `#` fragment (never sent to a server), more than 2048 characters. Pure.
 */
import { PortsError } from '../errors.js';

const KEPT = /[A-Za-z0-9\-._~!$&'()*+,;=:@/?]/;
const MAX_LENGTH = 2048;

export function normalizeHttpPath(text: string): string {
  const usage = (why: string) => new PortsError('E_USAGE', `--http: ${why}`, { path: text.slice(0, 100) });
  if (!text.startsWith('/')) throw usage(`the path must start with "/" (e.g. /health), got ${JSON.stringify(text.slice(0, 100))}`);
  if (text.length > MAX_LENGTH) throw usage(`the path is longer than ${MAX_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(text)) throw usage('the path may not contain control characters');
  if (text.includes('#')) throw usage('a #fragment is never sent to the server; leave it out');
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (KEPT.test(char)) out += char;
    else if (char === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) out += char;
    else {
      const code = text.codePointAt(i) ?? 0;
      const whole = String.fromCodePoint(code);
      if (whole.length === 2) i++; // a surrogate pair is one character
      out += encodeURIComponent(whole);
    }
  }
  return out;
}
