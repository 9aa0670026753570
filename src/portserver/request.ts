/**
 * The portserver request: the requester's pid in ASCII, as Google portpicker sends it
 * (`b"%d\n" % pid`). Pure. The reference server parses the bytes with Python's `int()`, so we
 * accept exactly what that accepts: surrounding ASCII whitespace, one sign, and PEP 515
 * underscores between digits — and, like it, refuse anything over 20 bytes.
 */

/** The reference server reads at most this much; we stop reading there too. */
export const READ_LIMIT_BYTES = 100;
/** Longer requests (newline included) are refused before parsing, as the reference does. */
export const MAX_REQUEST_BYTES = 20;

export type ParsedRequest = { ok: true; value: bigint } | { ok: false; error: string };

/** Python's `bytes.isspace()` set: space, \t, \n, \v, \f, \r. */
const INT_TEXT = /^[ \t\n\v\f\r]*([+-]?)([0-9]+(?:_[0-9]+)*)[ \t\n\v\f\r]*$/;

/**
 * How many of the bytes read so far make the request, once one is complete: a newline has
 * arrived, or READ_LIMIT_BYTES have; null while neither has (keep reading until EOF).
 */
export function requestEnd(buffered: Uint8Array): number | null {
  const newline = buffered.indexOf(0x0a);
  // Bytes that came with the newline stay part of the request, as in the reference's single
  // read: `14729\n14729\n` is one (invalid) request, not two.
  if (newline >= 0 || buffered.length >= READ_LIMIT_BYTES) return Math.min(buffered.length, READ_LIMIT_BYTES);
  return null;
}

/**
 * `int(request)` as Python computes it, for requests of at most MAX_REQUEST_BYTES.
 * The value may be any integer (negative, or far beyond a pid): judging it is the caller's job.
 *
 * @example
 * parseRequest(Buffer.from(' +14_729\r\n')) // { ok: true, value: 14729n }
 */
export function parseRequest(bytes: Uint8Array): ParsedRequest {
  if (bytes.length > MAX_REQUEST_BYTES) {
    return { ok: false, error: `request of ${bytes.length} bytes; at most ${MAX_REQUEST_BYTES} are accepted` };
  }
  // latin1 maps each byte to one character, so a non-ASCII byte can never pass as a digit or space.
  const text = Buffer.from(bytes).toString('latin1');
  const match = INT_TEXT.exec(text);
  if (!match) return { ok: false, error: `not an integer: ${JSON.stringify(text)}` };
  const magnitude = BigInt((match[2] ?? '').replaceAll('_', ''));
  return { ok: true, value: match[1] === '-' ? -magnitude : magnitude };
}
