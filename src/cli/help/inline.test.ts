import { describe, expect, it } from 'vitest';
import { parseInline, plainText } from './inline.js';

describe('parseInline', () => {
  it.each([
    ['plain', [{ text: 'plain' }]],
    ['run `ports x` now', [{ text: 'run ' }, { text: 'ports x', code: true }, { text: ' now' }]],
    ['**Bold.** rest', [{ text: 'Bold.', strong: true }, { text: ' rest' }]],
    ['an *em* and _em_', [{ text: 'an ' }, { text: 'em', em: true }, { text: ' and ' }, { text: 'em', em: true }]],
    ['see [`ports daemon`](#ports-daemon-start) here', [{ text: 'see ' }, { text: 'ports daemon', code: true }, { text: ' here' }]],
    ['[protocol.md](protocol.md#limits)', [{ text: 'protocol.md' }]],
    ['<a id="state"></a>Fold', [{ text: 'Fold' }]],
    ['snake_case_name and 2 * 3', [{ text: 'snake_case_name and 2 * 3' }]],
    ['\\*not em\\* and \\`x\\`', [{ text: '*not em* and `x`' }]],
    ['`` a`b ``', [{ text: 'a`b', code: true }]],
    ['`**` stays', [{ text: '**', code: true }, { text: ' stays' }]],
    ['unclosed **bold', [{ text: 'unclosed **bold' }]],
  ])('%s', (markdown, spans) => {
    expect(parseInline(markdown)).toEqual(spans);
  });

  it('plainText is what a reader sees', () => {
    expect(plainText('`ports allocate [SERVICE]`')).toBe('ports allocate [SERVICE]');
  });
});
