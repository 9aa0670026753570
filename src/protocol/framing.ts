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
