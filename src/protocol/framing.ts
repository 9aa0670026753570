/**
 * Newline-delimited JSON framing. Pure: bytes in, lines out.
 * A line longer than `maxLineBytes` is reported once and the splitter stops (the caller closes).
 */
export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Bytes buffered without a newline yet. */
  readonly pendingBytes: number;
}

export interface LineSplitterOptions {
  maxLineBytes: number;
  onLine(line: string): void;
  onOverflow(bytes: number): void;
}

const NEWLINE = 0x0a;

export function createLineSplitter(options: LineSplitterOptions): LineSplitter {
  let parts: Buffer[] = [];
  let pending = 0;
  let stopped = false;

  const flushLine = (tail: Buffer): void => {
    const line = parts.length === 0 ? tail : Buffer.concat([...parts, tail], pending + tail.length);
    parts = [];
    pending = 0;
    let text = line.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim().length > 0) options.onLine(text);
  };

  return {
    get pendingBytes() {
      return pending;
    },
    push(chunk: Buffer): void {
      let offset = 0;
      while (!stopped && offset < chunk.length) {
        const newline = chunk.indexOf(NEWLINE, offset);
        const end = newline === -1 ? chunk.length : newline;
        if (pending + (end - offset) > options.maxLineBytes) {
          stopped = true;
          options.onOverflow(pending + (end - offset));
          parts = [];
          pending = 0;
          return;
        }
        if (newline === -1) {
          parts.push(chunk.subarray(offset));
          pending += chunk.length - offset;
          return;
        }
        flushLine(chunk.subarray(offset, newline));
        offset = newline + 1;
      }
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
