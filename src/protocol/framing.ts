/**
 * Newline-delimited JSON framing. Pure: bytes in, lines out.
 * A line longer than `maxLineBytes` is reported once and the splitter stops (the caller closes).
 *
 * The splitter can be paused between two lines (`onLine` returns false, or `pause()`): the rest
 * of the chunk, and whatever is pushed meanwhile, is held undispatched until `resume()`. A server
 * uses this for back-pressure, checked before every line rather than once per chunk; it must
 * also stop reading its socket meanwhile, or the held bytes grow.
 */
export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Stop after the current line; later bytes are held. */
  pause(): void;
  /**
   * Dispatch the held bytes, until done or paused again. True when nothing is held any more
   * (the caller may read on), false when paused again.
   */
  resume(): boolean;
  readonly paused: boolean;
  /** Bytes of an unfinished line looked at so far (not counting held bytes). */
  readonly pendingBytes: number;
  /** Complete lines seen so far, blank ones included (tells a caller that a new line began). */
  readonly linesSeen: number;
}

export interface LineSplitterOptions {
  maxLineBytes: number;
  /** One line, without its newline (and a trailing `\r`). Return false to pause after it. */
  onLine(line: string): boolean | void;
  onOverflow(bytes: number): void;
  /**
   * A line that is not valid UTF-8, decoded with U+FFFD in place of the bad bytes. Without this
   * option such a line goes to `onLine` decoded that way. Return false to pause after it.
   */
  onInvalidUtf8?(line: string): boolean | void;
}

const NEWLINE = 0x0a;
/** Fatal: throws on invalid UTF-8 (the check costs less than the decode it replaces). Keeps a BOM, as Buffer#toString does. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function createLineSplitter(options: LineSplitterOptions): LineSplitter {
  let parts: Buffer[] = [];
  let pending = 0;
  let stopped = false;
  let paused = false;
  let linesSeen = 0;
  /** Chunks not looked at yet; the first one from `heldOffset`. */
  let held: Buffer[] = [];
  let heldOffset = 0;

  /** Returns false when the line asked to pause. */
  const flushLine = (tail: Buffer): boolean => {
    let line = tail;
    if (parts.length !== 0) {
      line = Buffer.concat([...parts, tail], pending + tail.length);
      parts = [];
      pending = 0;
    }
    linesSeen++;
    let text: string;
    let valid = true;
    if (options.onInvalidUtf8 === undefined) {
      text = line.toString('utf8');
    } else {
      try {
        text = strictUtf8.decode(line);
      } catch {
        text = line.toString('utf8');
        valid = false;
      }
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim().length === 0) return true;
    return (valid ? options.onLine(text) : options.onInvalidUtf8?.(text)) !== false;
  };

  /** Dispatch lines of `chunk` from `from`; returns where it stopped (chunk.length when all of it was used). */
  const scan = (chunk: Buffer, from: number): number => {
    let offset = from;
    while (offset < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, offset);
      const end = newline === -1 ? chunk.length : newline;
      if (pending + (end - offset) > options.maxLineBytes) {
        const bytes = pending + (end - offset);
        stopped = true;
        parts = [];
        pending = 0;
        held = [];
        options.onOverflow(bytes);
        return chunk.length;
      }
      if (newline === -1) {
        parts.push(chunk.subarray(offset));
        pending += chunk.length - offset;
        return chunk.length;
      }
      if (!flushLine(chunk.subarray(offset, newline))) paused = true;
      offset = newline + 1;
      // The line's handler may also have paused or stopped us (pause(), an overflow elsewhere).
      if (paused || stopped) return offset;
    }
    return offset;
  };

  /** Dispatch held chunks until none is left, or paused or stopped again. */
  const drainHeld = (): void => {
    while (!paused && !stopped && held.length > 0) {
      const chunk = held[0] as Buffer;
      const at = scan(chunk, heldOffset);
      if (stopped) return;
      if (at >= chunk.length) {
        held.shift();
        heldOffset = 0;
      } else {
        heldOffset = at;
      }
    }
  };

  return {
    get pendingBytes() {
      return pending;
    },
    get paused() {
      return paused;
    },
    get linesSeen() {
      return linesSeen;
    },
    push(chunk: Buffer): void {
      if (stopped) return;
      if (paused || held.length > 0) {
        held.push(chunk);
        return;
      }
      const at = scan(chunk, 0);
      if (!stopped && at < chunk.length) {
        held.push(chunk);
        heldOffset = at;
      }
    },
    pause(): void {
      paused = true;
    },
    resume(): boolean {
      if (stopped) return true;
      paused = false;
      drainHeld();
      return !paused && held.length === 0;
    },
  };
}

/** One message as one line. */
export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}

/** Allocations per piece of a long list (each piece a few tens of kilobytes). */
const LIST_PIECE = 64;

/**
 * A reply as pieces of one line, for replies that carry a long `allocations` list (a full
 * `status` at 10,000 allocations is about 4 MB): the line goes out in small pieces, so no
 * multi-megabyte string (kept until a full garbage collection) is built per request. Any other
 * reply is one piece. Joined, the pieces are the same JSON value as `encodeLine(reply)` (keys
 * in another order).
 */
export function encodeLinePieces(reply: { id: unknown; ok: boolean; result?: unknown }): string[] {
  const result = reply.ok ? reply.result : undefined;
  const list = result !== null && typeof result === 'object' ? (result as { allocations?: unknown }).allocations : undefined;
  if (!Array.isArray(list) || list.length <= LIST_PIECE) return [encodeLine(reply)];
  const { allocations, ...rest } = result as { allocations: unknown[] };
  const pieces = [`{"id":${JSON.stringify(reply.id)},"ok":true,"result":{"allocations":[`];
  for (let from = 0; from < allocations.length; from += LIST_PIECE) {
    const piece = JSON.stringify(allocations.slice(from, from + LIST_PIECE));
    pieces.push(from === 0 ? piece.slice(1, -1) : `,${piece.slice(1, -1)}`);
  }
  const others = JSON.stringify(rest);
  pieces.push(`]${others === '{}' ? '' : `,${others.slice(1, -1)}`}}}\n`);
  return pieces;
}
