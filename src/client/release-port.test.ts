import { describe, expect, it } from 'vitest';
import { thrownMessage } from '../../test/helpers/ports-error.js';
import { readReleaseTarget, releasePort } from './release-port.js';

const SELF = 4242;

const misuse = (run: () => unknown): string => thrownMessage('E_INVALID_REQUEST', run);

describe('readReleaseTarget', () => {
  it('releases a port or named ports whoever holds them', () => {
    expect(readReleaseTarget(3000, SELF)).toEqual({ ports: [3000] });
    expect(readReleaseTarget({ ports: new Set([3001, 3000]) }, SELF)).toEqual({ ports: [3001, 3000] });
    expect(readReleaseTarget({ ports: [3000, 3000], service: 'web' }, SELF)).toEqual({ ports: [3000], service: 'web' });
  });

  it("releases a service's or owner tag's allocations of this process, unless told another pid or 'any'", () => {
    expect(readReleaseTarget({ service: 'web' }, SELF)).toEqual({ service: 'web', pid: SELF });
    expect(readReleaseTarget({ owner: 'ci-7' }, SELF)).toEqual({ owner: 'ci-7', pid: SELF });
    expect(readReleaseTarget({ service: 'web', pid: 77 }, SELF)).toEqual({ service: 'web', pid: 77 });
    expect(readReleaseTarget({ service: 'web', pid: 'any' }, SELF)).toEqual({ service: 'web' });
    expect(readReleaseTarget({ pid: 77 }, SELF)).toEqual({ pid: 77 });
  });

  it('names nothing to release for an empty list of ports', () => {
    expect(readReleaseTarget({ ports: [] }, SELF)).toBeNull();
    expect(readReleaseTarget({ ports: [], service: 'web' }, SELF)).toEqual({ service: 'web', pid: SELF });
  });

  it.each([
    ['nothing', undefined, 'releasePort: name a port, or { ports }, { service } or { owner }'],
    ['an empty selector', {}, 'releasePort: name a port, or { ports }, { service } or { owner }'],
    ["only pid 'any'", { pid: 'any' }, 'releasePort: name a port, or { ports }, { service } or { owner }'],
    ['port 0', 0, 'releasePort: the port must be a whole number 1-65535 (got 0)'],
    ['port 1.5', 1.5, 'releasePort: the port must be a whole number 1-65535 (got 1.5)'],
    ['a port as a string', '3000', 'releasePort: the port or selector must be an object (got "3000")'],
    ['ports as one number', { ports: 3000 }, 'releasePort: ports must be an iterable of port numbers; for one port, pass the number itself'],
    ['a bad port in the list', { ports: [3000, 70000] }, 'releasePort: ports.1: Too big: expected number to be <=65535'],
    ['port instead of ports', { port: 3000 }, 'releasePort: unknown option "port"; use a number (releasePort(3000)) or ports: [3000]'],
    ['connect options in the selector', { service: 'web', socketPath: '/x' }, 'releasePort: unknown option "socketPath"; connect options go in the second argument: releasePort(target, { socketPath })'],
    ['a bad pid', { service: 'web', pid: 'me' }, `releasePort: pid must be a process id or 'any' (got "me")`],
    ['a bad service name', { service: '' }, 'releasePort: service: Too small: expected string to have >=1 characters; service: letters, digits and . _ : @ / + - (starting with a letter or digit)'],
  ])('refuses %s (E_INVALID_REQUEST)', (_what, target, message) => {
    expect(misuse(() => readReleaseTarget(target, SELF))).toBe(message);
  });
});

describe('releasePort', () => {
  it('resolves with nothing released when no daemon runs, and starts none', async () => {
    expect(await releasePort(3000, { socketPath: '/nonexistent-portkeeper/ports.sock' })).toEqual([]);
  });

  it('takes the connect options of allocatePort, but never autostart: true', async () => {
    expect(await releasePort(3000, { socketPath: '/nonexistent-portkeeper/ports.sock', autostart: false, startTimeoutMs: 10 })).toEqual([]);
    await expect(releasePort(3000, { autostart: true } as never)).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      message: 'releasePort: autostart must be false or left out: releasePort never starts a daemon (a new one holds nothing)',
    });
    await expect(releasePort(3000, { socket: '/x' } as never)).rejects.toMatchObject({ code: 'E_INVALID_REQUEST', message: expect.stringMatching(/^releasePort: unknown option "socket"; known options: socketPath/) });
  });
});
