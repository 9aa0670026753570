import { describe, expect, it } from 'vitest';
import { createLineSplitter, encodeLine, encodeLinePieces } from './framing.js';

function split(chunks: string[], maxLineBytes = 100) {
  const lines: string[] = [];
  const overflows: number[] = [];
  const splitter = createLineSplitter({ maxLineBytes, onLine: (l) => lines.push(l), onOverflow: (n) => overflows.push(n) });
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
    const splitter = createLineSplitter({ maxLineBytes: 100, onLine: (l) => lines.push(l), onOverflow: () => undefined });
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
