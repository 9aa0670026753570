import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EXIT, PortsError, toPortsError, type ErrorCode } from './errors.js';

const expectedExit: Record<ErrorCode, number> = {
  E_USAGE: 2,
  E_INVALID_REQUEST: 2,
  E_UNKNOWN_OP: 2,
  E_PROTOCOL: 1,
  E_VERSION_MISMATCH: 1,
  E_DAEMON_UNREACHABLE: 3,
  E_ALREADY_RUNNING: 1,
  E_NO_FREE_PORT: 4,
  E_NOT_FOUND: 5,
  E_CONFLICT: 6,
  E_NO_SUCH_PROCESS: 1,
  E_TIMEOUT: 7,
  E_CONFIG: 1,
  E_PATH: 1,
  E_STATE: 1,
  E_LIMIT: 1,
  E_SHUTTING_DOWN: 3,
  E_INTERNAL: 1,
};

describe('PortsError', () => {
  it.each(Object.keys(ERROR_CODES) as ErrorCode[])('%s has its exit code and survives the wire', (code) => {
    const error = new PortsError(code, `message for ${code}`, { port: 3000 });
    expect(error.exitCode).toBe(expectedExit[code]);
    const back = PortsError.fromWire(JSON.parse(JSON.stringify(error.toWire())));
    expect(back).toBeInstanceOf(PortsError);
    expect(back.code).toBe(code);
    expect(back.message).toBe(`message for ${code}`);
    expect(back.details).toEqual({ port: 3000 });
  });

  it('covers every exit code of the contract', () => {
    expect(new Set(Object.values(ERROR_CODES))).toEqual(new Set(Object.values(EXIT).filter((code) => code !== 0)));
  });

  it('turns an unknown wire code into E_INTERNAL', () => {
    expect(PortsError.fromWire({ code: 'E_WHAT' as ErrorCode, message: 'x' }).code).toBe('E_INTERNAL');
  });

  it('wraps unknown failures as E_INTERNAL and keeps the cause', () => {
    const cause = new TypeError('boom');
    const wrapped = toPortsError(cause);
    expect(wrapped.code).toBe('E_INTERNAL');
    expect(wrapped.cause).toBe(cause);
  });
});
