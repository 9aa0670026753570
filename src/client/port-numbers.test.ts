import { describe, expect, it } from 'vitest';
import { portNumbers } from './port-numbers.js';

describe('portNumbers', () => {
  it('is the inclusive range and the list of its ports, as often as it is read', () => {
    const ports = portNumbers(3000, 3003);
    expect(ports).toMatchObject({ start: 3000, end: 3003 });
    expect([...ports]).toEqual([3000, 3001, 3002, 3003]);
    expect([...ports]).toEqual([3000, 3001, 3002, 3003]);
    expect(JSON.stringify(ports)).toBe('{"start":3000,"end":3003}');
  });

  it('allows a range of one port', () => {
    expect([...portNumbers(8080, 8080)]).toEqual([8080]);
  });

  it.each([
    [0, 10, 'portNumbers: from must be a whole number 1-65535 (got 0)'],
    [3000, 65536, 'portNumbers: to must be a whole number 1-65535 (got 65536)'],
    [3000.5, 3001, 'portNumbers: from must be a whole number 1-65535 (got 3000.5)'],
    ['3000', 3001, 'portNumbers: from must be a whole number 1-65535 (got 3000)'],
    [3001, 3000, 'portNumbers: from (3001) is greater than to (3000)'],
  ])('portNumbers(%j, %j) throws E_INVALID_REQUEST: %s', (from, to, message) => {
    expect(() => portNumbers(from as number, to)).toThrow(expect.objectContaining({ name: 'PortsError', code: 'E_INVALID_REQUEST', message }));
  });
});
