import { describe, expect, it } from 'vitest';
import { thrownMessage } from '../../test/helpers/ports-error.js';
import { parsePortArgument, parsePortListFlag } from './flags.js';

const usageMessage = (run: () => unknown): string => thrownMessage('E_USAGE', run);

describe('parsePortArgument', () => {
  it('reads a port', () => {
    expect(parsePortArgument('3000', 'release')).toBe(3000);
  });

  it.each([
    ['web', 'release', '"web" is not a port; to release a service, use --service web'],
    ['api.v2', 'renew', '"api.v2" is not a port; to renew a service, use --service api.v2'],
    ['web', 'who', '"web" is not a port; for a service\'s port, use ports get web, then ports who PORT'],
    ['my web', 'release', '"my web" is not a port (1-65535)'],
    ['70000', 'release', 'PORT: 70000 is outside 1-65535'],
    ['0', 'renew', 'PORT: 0 is outside 1-65535'],
  ] as const)('%j for %s: %s', (text, verb, message) => {
    expect(usageMessage(() => parsePortArgument(text, verb))).toBe(message);
  });
});

describe('parsePortListFlag', () => {
  it('reads ports and ranges in the order given, without repeats', () => {
    expect(parsePortListFlag('--prefer', '3005, 3000-3002,3001,8080')).toEqual([3005, 3000, 3001, 3002, 8080]);
  });

  it('reads one port', () => {
    expect(parsePortListFlag('--exclude', '3000')).toEqual([3000]);
  });

  it.each([
    ['', '--prefer: "" has an empty item; give ports and ranges separated by commas, e.g. 3000,3005-3010'],
    ['3000,,3001', '--prefer: "3000,,3001" has an empty item; give ports and ranges separated by commas, e.g. 3000,3005-3010'],
    ['3000,', '--prefer: "3000," has an empty item; give ports and ranges separated by commas, e.g. 3000,3005-3010'],
    ['web', '--prefer: "web" is not a port or a range A-B (ports 1-65535, separated by commas)'],
    ['3000 3001', '--prefer: "3000 3001" is not a port or a range A-B (ports 1-65535, separated by commas)'],
    ['-5', '--prefer: "-5" is not a port or a range A-B (ports 1-65535, separated by commas)'],
    ['0', '--prefer: "0" is outside 1-65535'],
    ['3000-70000', '--prefer: "3000-70000" is outside 1-65535'],
    ['3010-3000', '--prefer: "3010-3000" starts after it ends'],
  ])('%j: %s', (text, message) => {
    expect(usageMessage(() => parsePortListFlag('--prefer', text))).toBe(message);
  });
});
