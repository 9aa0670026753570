import { describe, expect, it } from 'vitest';
import { createLineSplitter, encodeLine, encodeLinePieces } from './framing.js';

function split(chunks: string[], maxLineBytes = 100) {
  const lines: string[] = [];
  const overflows: number[] = [];
  const splitter = createLineSplitter({ maxLineBytes, onLine: (l) => void lines.push(l), onOverflow: (n) => overflows.push(n) });
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  return { lines, overflows, pending: splitter.pendingBytes };
}

describe('createLineSplitter', () => {
  it('splits lines across and within chunks', () => {
    expect(split(['{"a":1}\n{"b"', ':2}\n{"c":3}']).lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('keeps an unfinished line pending', () => {
    expect(split(['{"a":1}\n{"b"']).pending).toBe(4);
  });

  it('drops blank lines and a trailing carriage return', () => {
    expect(split(['\n\r\n{"a":1}\r\n']).lines).toEqual(['{"a":1}']);
  });

  it('reports a line longer than the limit once and stops', () => {
    const result = split(['x'.repeat(60), 'x'.repeat(60), '\n{"a":1}\n'], 100);
    expect(result.overflows).toEqual([120]);
    expect(result.lines).toEqual([]);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const bytes = Buffer.from('{"s":"é"}\n');
    const lines: string[] = [];
    const splitter = createLineSplitter({ maxLineBytes: 100, onLine: (l) => void lines.push(l), onOverflow: () => undefined });
    splitter.push(bytes.subarray(0, 7));
    splitter.push(bytes.subarray(7));
    expect(lines).toEqual(['{"s":"é"}']);
  });
});

describe('encodeLinePieces', () => {
  const allocations = Array.from({ length: 150 }, (_, i) => ({ port: 3000 + i, service: `s${i}`, health: { failures: 0 } }));

  it('sends a long allocation list in pieces that join to the same JSON value', () => {
    const reply = { id: 7, ok: true, result: { daemon: { pid: 1 }, allocations, next: null } };
    const pieces = encodeLinePieces(reply);
    expect(pieces.length).toBeGreaterThan(3);
    const line = pieces.join('');
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual(reply);
  });

  it('sends anything else as one line', () => {
    const reply = { id: 2, ok: false, error: { code: 'E_PROTOCOL', message: 'x' } };
    expect(encodeLinePieces(reply)).toEqual([encodeLine(reply)]);
    expect(encodeLinePieces({ id: 3, ok: true, result: { allocations: allocations.slice(0, 3) } })).toHaveLength(1);
  });
});

describe('createLineSplitter, paused', () => {
  function pausable(stopAfter: (line: string) => boolean) {
    const lines: string[] = [];
    const splitter = createLineSplitter({
      maxLineBytes: 100,
      onLine: (line) => {
        lines.push(line);
        return !stopAfter(line);
      },
      onOverflow: () => undefined,
    });
    return { lines, splitter };
  }

  it('stops after a line that asks to, and holds the rest of the chunk until resumed', () => {
    const { lines, splitter } = pausable((line) => line === 'b');
    splitter.push(Buffer.from('a\nb\nc\nd\n'));
    expect(lines).toEqual(['a', 'b']);
    expect(splitter.paused).toBe(true);
    expect(splitter.resume()).toBe(true);
    expect(lines).toEqual(['a', 'b', 'c', 'd']);
    expect(splitter.paused).toBe(false);
  });

  it('holds chunks pushed while paused, in order, and a partial line across them', () => {
    const { lines, splitter } = pausable((line) => line === 'a');
    splitter.push(Buffer.from('a\nb'));
    splitter.push(Buffer.from('b\nc'));
    splitter.push(Buffer.from('c\n'));
    expect(lines).toEqual(['a']);
    expect(splitter.pendingBytes).toBe(0);
    splitter.resume();
    expect(lines).toEqual(['a', 'bb', 'cc']);
  });

  it('can pause again while resuming, and resume reports it', () => {
    const { lines, splitter } = pausable((line) => line.startsWith('stop'));
    splitter.push(Buffer.from('stop1\nx\nstop2\ny\n'));
    expect(lines).toEqual(['stop1']);
    expect(splitter.resume()).toBe(false);
    expect(lines).toEqual(['stop1', 'x', 'stop2']);
    expect(splitter.resume()).toBe(true);
    expect(lines).toEqual(['stop1', 'x', 'stop2', 'y']);
  });

  it('pauses when told to from outside, between chunks', () => {
    const { lines, splitter } = pausable(() => false);
    splitter.pause();
    splitter.push(Buffer.from('a\n'));
    expect(lines).toEqual([]);
    splitter.resume();
    expect(lines).toEqual(['a']);
  });

  it('counts complete lines, blank ones too, so a caller can tell a new line began', () => {
    const { splitter } = pausable(() => false);
    splitter.push(Buffer.from('a\n\n{"b"'));
    expect(splitter.linesSeen).toBe(2);
    expect(splitter.pendingBytes).toBe(4);
  });
});

describe('createLineSplitter, strict UTF-8', () => {
  function strict(chunks: Buffer[]) {
    const lines: string[] = [];
    const invalid: string[] = [];
    const splitter = createLineSplitter({
      maxLineBytes: 100,
      onLine: (line) => void lines.push(line),
      onInvalidUtf8: (line) => void invalid.push(line),
      onOverflow: () => undefined,
    });
    for (const chunk of chunks) splitter.push(chunk);
    return { lines, invalid };
  }

  it('hands a line that is not valid UTF-8 to onInvalidUtf8, with U+FFFD for the bad bytes', () => {
    const bad = Buffer.concat([Buffer.from('{"id":3,"x":"'), Buffer.from([0xff, 0xc3]), Buffer.from('"}\n{"id":4}\n')]);
    expect(strict([bad])).toEqual({ lines: ['{"id":4}'], invalid: ['{"id":3,"x":"\uFFFD\uFFFD"}'] });
  });

  it('accepts valid multi-byte text split across chunks, and keeps a byte-order mark as it is', () => {
    const bytes = Buffer.from('\uFEFF{"s":"é😀"}\n');
    expect(strict([bytes.subarray(0, 9), bytes.subarray(9)])).toEqual({ lines: ['\uFEFF{"s":"é😀"}'], invalid: [] });
  });

  it('takes overlong encodings and lone surrogates as invalid', () => {
    const overlong = Buffer.from([0xc0, 0xaf, 0x0a]);
    const surrogate = Buffer.from([0xed, 0xa0, 0x80, 0x0a]);
    expect(strict([overlong, surrogate]).invalid).toHaveLength(2);
  });
});
