import { PortsError } from '../errors.js';
import { errorCode } from '../system/resource-errors.js';

/**
 * The `ports` process itself ran out of descriptors or memory (reading /proc for `who`, `kill`,
 * `wait --free` on a host at its limits): the host's state, reported as E_LIMIT (exit 1) with
 * what to do, not as "an internal error (a bug)" with a stack. Pure.
 */
export function outOfResources(error: unknown): PortsError {
  const code = errorCode(error) ?? 'EMFILE';
  const what =
    code === 'EMFILE' ? 'this ports process is out of file descriptors' : code === 'ENFILE' ? 'the host is out of file descriptors' : `the host is out of memory or buffers`;
  const detail = error instanceof Error ? `: ${error.message}` : '';
  return new PortsError('E_LIMIT', `${what} (${code})${detail}. Raise the limit (ulimit -n) or try again when the load is gone`, { errno: code });
}
