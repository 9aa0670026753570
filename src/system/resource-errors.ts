/**
 * Errors that say *we* (the daemon, or the host) ran out of something — descriptors, memory,
 * buffers — and nothing about the port or process being looked at. A check that failed this way
 * was not made: its outcome is unknown, never a failure.
 */
const RESOURCE_CODES = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'ENOBUFS', 'EAGAIN']);

export function errorCode(error: unknown): string | null {
  if (error === null || typeof error !== 'object') return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // fetch (undici) wraps the socket error: TypeError('fetch failed', { cause }).
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error ? errorCode(cause) : null;
}

export function isResourceError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== null && RESOURCE_CODES.has(code);
}

/** A short description of a resource error for messages: "out of file descriptors (EMFILE)". */
export function describeResourceError(code: string): string {
  switch (code) {
    case 'EMFILE':
      return 'the daemon is out of file descriptors (EMFILE)';
    case 'ENFILE':
      return 'the host is out of file descriptors (ENFILE)';
    case 'ENOMEM':
    case 'ENOBUFS':
      return `the host is out of memory for sockets (${code})`;
    default:
      return `a resource was temporarily unavailable (${code})`;
  }
}
