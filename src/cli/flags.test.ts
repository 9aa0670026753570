import { describe, expect, it } from 'vitest';
import { PortsError } from '../errors.js';
import { parsePortArgument } from './flags.js';

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof PortsError && error.code === 'E_USAGE') return error.message;
    throw error;
  }
  throw new Error('no error');
}

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
