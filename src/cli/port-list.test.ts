import { describe, expect, it } from 'vitest';
import { parsePortList } from './port-list.js';

describe('parsePortList', () => {
  it('takes ports in the order given and collapses duplicates', () => {
    expect(parsePortList(['3000', '1', '65535', '3000'])).toEqual([3000, 1, 65535]);
  });

  it.each(['0', '65536', '99999', '-1', '+80', '080', '3000.0', '1e3', '0x50', ' 80', '80 ', '3000-3005', '3000,3001', '', 'abc', '١٢٣'])('refuses %j with a usage error', (text) => {
    expect(() => parsePortList([text])).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringContaining('is not a port') }));
  });

  it('refuses an empty list', () => {
    expect(() => parsePortList([])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  it('quotes the bad value so control characters cannot reach the terminal raw', () => {
    expect(() => parsePortList(['80\u001b[2J'])).toThrow(expect.objectContaining({ message: expect.stringContaining('"80\\u001b[2J"') }));
  });
});
