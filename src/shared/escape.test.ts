import { describe, expect, it } from 'vitest';
import { escapeMessage, escapeText } from './escape.js';

describe('escapeText', () => {
  it.each([
    ['node server.js --port 3000', 'node server.js --port 3000'],
    ['evil\u001b[31m\nFAKE LINE', 'evil\\x1b[31m\\nFAKE LINE'],
    ['clear\u001b[2J', 'clear\\x1b[2J'],
    ['a\rb\tc', 'a\\rb\\tc'],
    ['nul\u0000bell\u0007del\u007f', 'nul\\x00bell\\x07del\\x7f'],
    ['csi\u009b31m c1\u0080 \u009f', 'csi\\u009b31m c1\\u0080 \\u009f'],
    ['C:\\temp\\n', 'C:\\\\temp\\\\n'],
    ['rtl\u202egnp.exe', 'rtl\\u202egnp.exe'],
    ['line\u2028sep', 'line\\u2028sep'],
    ['café — 東京 🚀', 'café — 東京 🚀'],
  ])('renders %j as %j', (raw, shown) => {
    expect(escapeText(raw)).toBe(shown);
  });

  it('is unambiguous: different texts never print the same', () => {
    const texts = ['a\\nb', 'a\nb', 'a\\\nb', 'a\\x1bb', 'a\u001bb'];
    expect(new Set(texts.map(escapeText)).size).toBe(texts.length);
  });

  it('leaves nothing a terminal would obey', () => {
    const all = Array.from({ length: 0x300 }, (_, code) => String.fromCharCode(code)).join('');
    expect(escapeText(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('escapeMessage', () => {
  it('keeps our own line breaks and escapes the rest', () => {
    expect(escapeMessage('Invalid configuration:\n  types.web: "\u001b[2J"')).toBe('Invalid configuration:\n  types.web: "\\x1b[2J"');
  });

  it('leaves backslashes alone, so text the daemon escaped already is not escaped twice', () => {
    expect(escapeMessage('Port 3001 is in use by pid 7 (evil\\x1b[2J\u001b[31m C:\\temp)')).toBe('Port 3001 is in use by pid 7 (evil\\x1b[2J\\x1b[31m C:\\temp)');
  });
});
