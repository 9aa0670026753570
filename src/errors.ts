/**
 * The one error type of portkeeper. Every failure a user can see carries a stable `code`;
 * match on the code, never on the message text.
 */

/** Exit codes of the `ports` CLI (the contract's table). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  unreachable: 3,
  noFreePort: 4,
  notFound: 5,
  conflict: 6,
  timeout: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every error code, with the exit code the CLI uses for it. */
export const ERROR_CODES = {
  /** A CLI flag or argument is wrong. */
  E_USAGE: EXIT.usage,
  /** A request did not pass validation (wrong type, out of range, unknown field), on the wire or as the options of a library call (allocatePort, releasePort, portNumbers). */
  E_INVALID_REQUEST: EXIT.usage,
  /** A request named an operation the daemon does not know. */
  E_UNKNOWN_OP: EXIT.usage,
  /** A line on the socket was not JSON, or too long, or came before `hello`. */
  E_PROTOCOL: EXIT.failure,
  /** The client and the daemon speak different protocol versions. */
  E_VERSION_MISMATCH: EXIT.failure,
  /** No daemon answers on the socket. */
  E_DAEMON_UNREACHABLE: EXIT.unreachable,
  /** A daemon already runs on these paths. */
  E_ALREADY_RUNNING: EXIT.failure,
  /** Every candidate port is taken. */
  E_NO_FREE_PORT: EXIT.noFreePort,
  /** Nothing matched (only reported as an error with `--strict`). */
  E_NOT_FOUND: EXIT.notFound,
  /** The port is held by another allocation or another process. */
  E_CONFLICT: EXIT.conflict,
  /** The owner pid does not name a live process. */
  E_NO_SUCH_PROCESS: EXIT.failure,
  /** Something took longer than allowed. */
  E_TIMEOUT: EXIT.timeout,
  /** The configuration is invalid. */
  E_CONFIG: EXIT.failure,
  /** A runtime path is unusable: too long, wrong owner, wrong mode. */
  E_PATH: EXIT.failure,
  /** The state file could not be read or written. */
  E_STATE: EXIT.failure,
  /** A configured limit was reached (connections, allocations per owner …). */
  E_LIMIT: EXIT.failure,
  /** The daemon is shutting down and takes no new work. */
  E_SHUTTING_DOWN: EXIT.unreachable,
  /** A bug: the full stack is in the daemon's log. */
  E_INTERNAL: EXIT.failure,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export type ErrorDetails = Record<string, unknown>;

/** The wire form of an error (`{ok:false, error}`). */
export interface WireError {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

export class PortsError extends Error {
  override readonly name = 'PortsError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** The CLI exit code for this error. */
  get exitCode(): ExitCode {
    return ERROR_CODES[this.code];
  }

  toWire(): WireError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromWire(wire: WireError): PortsError {
    const code = isErrorCode(wire.code) ? wire.code : 'E_INTERNAL';
    return new PortsError(code, wire.message, wire.details);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

export function isPortsError(value: unknown): value is PortsError {
  return value instanceof PortsError;
}

/** Wrap anything thrown into a PortsError; unknown failures become E_INTERNAL with the cause kept. */
export function toPortsError(error: unknown): PortsError {
  if (error instanceof PortsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PortsError('E_INTERNAL', `Internal error: ${message}`, undefined, { cause: error });
}
