import { PortsError, type ErrorCode } from '../../src/errors.js';

/**
 * The message of the PortsError with `code` that `run` throws synchronously. Any other error is
 * rethrown, and no error at all fails the test.
 */
export function thrownMessage(code: ErrorCode, run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof PortsError && error.code === code) return error.message;
    throw error;
  }
  throw new Error(`expected a PortsError ${code}, got no error`);
}
