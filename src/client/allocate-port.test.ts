import { describe, expect, it } from 'vitest';
import { thrownMessage } from '../../test/helpers/ports-error.js';
import { allocatePort, readAllocateOptions } from './allocate-port.js';
import { portNumbers } from './port-numbers.js';

const misuse = (run: () => unknown): string => thrownMessage('E_INVALID_REQUEST', run);

describe('readAllocateOptions', () => {
  it('reads no options as an empty request', () => {
    expect(readAllocateOptions(undefined)).toEqual({ request: {}, connect: {} });
    expect(readAllocateOptions({})).toEqual({ request: {}, connect: {} });
  });

  it('sends only the fields the caller used', () => {
    const { request, connect } = readAllocateOptions({ service: 'web', ttlMs: 60_000, listenCheck: false, socketPath: '/tmp/s.sock', autostart: false });
    expect(request).toEqual({ service: 'web', ttlMs: 60_000, listenCheck: false });
    expect(connect).toEqual({ socketPath: '/tmp/s.sock', autostart: false });
  });

  it('takes one preferred port or any iterable of them, in order, without repeats', () => {
    expect(readAllocateOptions({ preferred: 3000 }).request).toEqual({ preferred: [3000] });
    expect(readAllocateOptions({ preferred: new Set([3002, 3000]) }).request).toEqual({ preferred: [3002, 3000] });
    expect(readAllocateOptions({ preferred: [3001, 3000, 3001] }).request).toEqual({ preferred: [3001, 3000] });
    expect(readAllocateOptions({ preferred: portNumbers(3000, 3002) }).request).toEqual({ preferred: [3000, 3001, 3002] });
  });

  it('leaves out empty preferred and exclude lists (get-port: port: [] means any port)', () => {
    expect(readAllocateOptions({ preferred: [], exclude: [] }).request).toEqual({});
  });

  it('takes portNumbers as a range, and any {start, end}', () => {
    expect(readAllocateOptions({ range: portNumbers(4000, 4099) }).request).toEqual({ range: { start: 4000, end: 4099 } });
    expect(readAllocateOptions({ range: { start: 5, end: 5 } }).request).toEqual({ range: { start: 5, end: 5 } });
  });

  it('takes excluded ports from any iterable', () => {
    expect(readAllocateOptions({ exclude: portNumbers(3000, 3001) }).request).toEqual({ exclude: [3000, 3001] });
    expect(readAllocateOptions({ exclude: 3000, port: 3001 }).request).toEqual({ exclude: [3000], port: 3001 });
  });

  it.each([
    ['options that are not an object', 3000, 'allocatePort: options must be an object (got number 3000)'],
    ['null options', null, 'allocatePort: options must be an object (got null)'],
    ['a misspelt option', { prefered: 3000 }, 'allocatePort: unknown option "prefered"; known options: service, type, port, preferred, range, exclude, ttlMs, listenCheck, owner, healthUrl, healthAction, socketPath, autostart, startTimeoutMs, env, clientName'],
    ["get-port's reserve", { reserve: true }, 'allocatePort: unknown option "reserve"; every port is leased to this process until it exits or is released (releasePort)'],
    ['ttl instead of ttlMs', { ttl: 1000 }, 'allocatePort: unknown option "ttl"; use ttlMs (milliseconds)'],
    ['a list as the exact port', { port: [3000, 3001] }, 'allocatePort: port is one exact port; for ports to try in order, use preferred (a number or an iterable of numbers)'],
    ['port and preferred together', { port: 3000, preferred: 3001 }, 'allocatePort: give port (this exact port) or preferred (ports to try first), not both'],
    ['a port out of range', { port: 70000 }, 'allocatePort: port: Too big: expected number to be <=65535'],
    ['a port that is not whole', { port: 3000.5 }, 'allocatePort: port: Invalid input: expected int, received number'],
    ['a port as a string', { port: '3000' }, 'allocatePort: port: Invalid input: expected number, received string'],
    ['preferred as a string', { preferred: '3000' }, 'allocatePort: preferred must be a port number or an iterable of port numbers (got "3000")'],
    ['a bad preferred port', { preferred: [3000, 0] }, 'allocatePort: preferred.1: Too small: expected number to be >=1'],
    ['an excluded port that is not a number', { exclude: [3000, 'x'] }, 'allocatePort: exclude.1: Invalid input: expected number, received string'],
    ['an exact port that is excluded', { port: 3000, exclude: [3000] }, 'allocatePort: exclude: the exact port is also in exclude'],
    ['a range as a generator', { range: [3000, 3001].values() }, 'allocatePort: range must be {start, end}, e.g. portNumbers(4000, 4099) (got an object)'],
    ['a range as an array', { range: [3000, 3100] }, 'allocatePort: range must be {start, end}, e.g. portNumbers(4000, 4099) (got an array)'],
    ['a reversed range', { range: { start: 3100, end: 3000 } }, 'allocatePort: range: start must not be greater than end'],
    ['a short ttl', { ttlMs: 10 }, 'allocatePort: ttlMs: Too small: expected number to be >=1000'],
    ['a bad service name', { service: 'my web' }, 'allocatePort: service: letters, digits and . _ : @ / + - (starting with a letter or digit)'],
    ['a health URL off this machine', { healthUrl: 'http://example.com/' }, 'allocatePort: healthUrl: an http:// or https:// URL on a loopback host (localhost, 127.x.x.x, [::1])'],
    ['listenCheck as a string', { listenCheck: 'no' }, 'allocatePort: listenCheck: Invalid input: expected boolean, received string'],
    ['an empty socket path', { socketPath: '' }, 'allocatePort: socketPath must be a non-empty string (got "")'],
    ['autostart as a string', { autostart: 'false' }, 'allocatePort: autostart must be true or false (got "false")'],
  ])('refuses %s (E_INVALID_REQUEST)', (_what, options, message) => {
    expect(misuse(() => readAllocateOptions(options))).toBe(message);
  });

  it('stops reading an endless preferred list', () => {
    function* forever() {
      for (let port = 1; ; port = (port % 65535) + 1) yield port;
    }
    expect(misuse(() => readAllocateOptions({ preferred: forever() }))).toBe('allocatePort: preferred has more than 65535 ports');
  });
});

describe('allocatePort', () => {
  it('rejects misuse before connecting to anything', async () => {
    // No daemon on this path and autostart on: a connection attempt would fail differently, or start one.
    await expect(allocatePort({ port: 0, socketPath: '/nonexistent/ports.sock' })).rejects.toMatchObject({ name: 'PortsError', code: 'E_INVALID_REQUEST' });
  });
});
