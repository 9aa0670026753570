import { describe, expect, it } from 'vitest';
import { parseRequest, requestEnd } from './request.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('parseRequest (Python int() on the request bytes)', () => {
  it.each([
    ['the pid and a newline, as portpicker sends it', '14729\n', 14729n],
    ['no newline (the client shut down its side)', '14729', 14729n],
    ['surrounding spaces and CRLF', '  14729 \r\n', 14729n],
    ['every ASCII whitespace Python strips', '\t\v\f 14729\r\n\t', 14729n],
    ['a plus sign', '+14729\n', 14729n],
    ['a minus sign (a value, judged later)', '-5\n', -5n],
    ['PEP 515 underscores', '14_729\n', 14729n],
    ['several underscores', '1_4_7_2_9\n', 14729n],
    ['leading zeros (int() allows them in base 10)', '007\n', 7n],
    ['zero', '0\n', 0n],
    ['a value beyond 2^53, kept exact', '9999999999999999999\n', 9999999999999999999n],
    ['exactly 20 bytes', `${'1'.repeat(19)}\n`, BigInt('1'.repeat(19))],
  ])('accepts %s', (_what, text, value) => {
    expect(parseRequest(bytes(text))).toEqual({ ok: true, value });
  });

  it.each([
    ['nothing', ''],
    ['only whitespace', ' \n'],
    ['letters', 'abc\n'],
    ['two requests on one connection', '14729\n14729\n'],
    ['a leading underscore', '_14729\n'],
    ['a trailing underscore', '14729_\n'],
    ['a double underscore', '14__729\n'],
    ['an underscore after the sign', '+_14729\n'],
    ['two signs', '+-5\n'],
    ['a sign alone', '-\n'],
    ['inner whitespace', '147 29\n'],
    ['a decimal point', '14729.0\n'],
    ['a hex prefix', '0x10\n'],
    ['a NUL byte', '14729\0\n'],
    ['a non-ASCII space (NBSP) that only str.strip() would take', '\xa014729\n'],
    ['a non-ASCII digit byte', '1472\xb9\n'],
    ['21 bytes', `${'1'.repeat(20)}\n`],
    ['100 bytes', '1'.repeat(100)],
  ])('refuses %s', (_what, text) => {
    expect(parseRequest(bytes(text))).toMatchObject({ ok: false, error: expect.any(String) });
  });
});

describe('requestEnd (read until newline, EOF or 100 bytes)', () => {
  it('waits for more while there is no newline and under 100 bytes', () => {
    expect(requestEnd(bytes(''))).toBeNull();
    expect(requestEnd(bytes('14'))).toBeNull();
    expect(requestEnd(bytes('1'.repeat(99)))).toBeNull();
  });

  it('ends at the newline, keeping what came with it', () => {
    expect(requestEnd(bytes('14729\n'))).toBe(6);
    expect(requestEnd(bytes('14729\n14729\n'))).toBe(12);
  });

  it('ends at 100 bytes, newline or not', () => {
    expect(requestEnd(bytes('1'.repeat(100)))).toBe(100);
    expect(requestEnd(bytes('1'.repeat(150)))).toBe(100);
    expect(requestEnd(bytes(`${'1'.repeat(120)}\n`))).toBe(100);
  });
});
