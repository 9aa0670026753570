/**
 * One client connection on the daemon's socket: NDJSON lines to the handler and replies back,
 * with back-pressure checked before every line, a deadline for each request line, and a final
 * error line before any close the daemon decides on. docs/reliability.md ("Hostile and buggy
 * clients") lists what each limit protects against.
 */
import type { Socket } from 'node:net';
import { PortsError } from '../errors.js';
import { createLineSplitter, encodeLine, encodeLinePieces } from '../protocol/framing.js';
import type { Reply } from '../protocol/results.js';
import type { EvictionCandidate } from './eviction.js';
import type { Handler, Session } from '../protocol/session.js';

export interface ConnectionLimits {
  maxLineBytes: number;
  idleTimeoutMs: number;
  requestLineTimeoutMs: number;
}

export interface ConnectionLog {
  warn(object: object, message: string): void;
  debug(object: object, message: string): void;
}

/** Requests one connection may have in flight; its next line waits until one is answered. */
export const MAX_IN_FLIGHT_PER_CONNECTION = 16;
/** Reply bytes a client may leave unread (`socket.writableLength`) before its next line waits. */
export const MAX_UNREAD_REPLY_BYTES = 1024 * 1024;
/** A follower of events that leaves more than this unread is disconnected. */
export const MAX_FOLLOWER_BACKLOG_BYTES = 4 * 1024 * 1024;
/** After a refusal or eviction line: how long the client gets to read it and close, and how much it may still send meanwhile. */
const LINGER_MS = 1000;
const LINGER_MAX_BYTES = 64 * 1024;
/**
 * Sockets that may linger like that at once. Each holds a descriptor outside the connection
 * table: past this many (a storm of newcomers evicting one another) the line is written and the
 * socket closed at once, so lingering never eats the descriptors the daemon keeps for itself.
 */
export const MAX_LINGERING = 32;

/** Counts lingering sockets against MAX_LINGERING (one per server). */
export interface LingerBudget {
  lingering: number;
}

export interface ConnectionHooks {
  handler: Handler;
  /** Read when needed, so a reload applies to what starts after it. */
  limits(): ConnectionLimits;
  log: ConnectionLog;
  /** A monotonic clock in ms. */
  now(): number;
  /** A request was dispatched (+1) or answered (-1): the server's count of requests in flight. */
  onRequest(delta: 1 | -1): void;
  onClose(connection: Connection): void;
}

export interface Connection extends EvictionCandidate {
  readonly socket: Socket;
  /** Close it to make room for a new connection: a final `E_LIMIT` line, then close. */
  evict(now: number, maxConnections: number, linger: LingerBudget): void;
  /** Graceful: no more requests are read; replies already written are flushed. */
  end(): void;
  destroy(): void;
}

/**
 * Send one last line and close, without letting the client's own writes fail first: its bytes
 * are read and dropped for a moment, so a client that writes `hello` right after connecting
 * reads our line instead of getting EPIPE.
 */
export function closeWithLine(socket: Socket, line: string, budget: LingerBudget): void {
  socket.on('error', () => undefined);
  if (budget.lingering >= MAX_LINGERING) {
    socket.end(line);
    socket.destroySoon();
    return;
  }
  budget.lingering++;
  let discarded = 0;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.on('close', () => {
    clearTimeout(timer);
    budget.lingering--;
  });
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_MAX_BYTES) socket.destroy();
  });
  socket.end(line);
  socket.resume();
}

export function openConnection(socket: Socket, hooks: ConnectionHooks): Connection {
  const { handler, log } = hooks;
  const limits = (): ConnectionLimits => hooks.limits();
  const closeCallbacks: Array<() => void> = [];
  let pending = 0;
  let idleSince = hooks.now();
  /** Evicted: nothing more is read or answered. */
  let evicted = false;
  /** Set when the connection must close once its in-flight replies are sent (a line too long or too slow). */
  let finalError: Reply | null = null;
  let lineTimer: NodeJS.Timeout | undefined;

  const session: Session = {
    helloDone: false,
    push(message) {
      // A follower that stops reading is dropped rather than buffered without bound.
      if (socket.writableLength > MAX_FOLLOWER_BACKLOG_BYTES) socket.destroy();
      else if (!socket.destroyed && socket.writable) socket.write(encodeLine(message));
    },
    onClose: (cleanup) => closeCallbacks.push(cleanup),
  };

  const overBudget = (): boolean => pending >= MAX_IN_FLIGHT_PER_CONNECTION || socket.writableLength >= MAX_UNREAD_REPLY_BYTES;

  /** Take no more lines for now; the kernel's socket buffer holds what the client sends meanwhile. */
  const hold = (): void => {
    splitter.pause();
    socket.pause();
  };

  const send = (reply: Reply): void => {
    idleSince = hooks.now();
    if (socket.destroyed || !socket.writable || evicted) return;
    // All pieces in one go: nothing else is written to this socket in between.
    for (const piece of encodeLinePieces(reply)) socket.write(piece);
    if (socket.writableLength >= MAX_UNREAD_REPLY_BYTES) hold();
  };

  const closeIfDone = (): void => {
    if (finalError && pending === 0) {
      send(finalError);
      finalError = null;
      socket.end();
      socket.destroySoon?.();
    }
  };

  /** Stop reading; answer what is in flight, then the error, then close. */
  const fail = (error: PortsError): void => {
    clearTimeout(lineTimer);
    hold();
    finalError = { id: null, ok: false, error: error.toWire() };
    closeIfDone();
  };

  const onLineDeadline = (): void => {
    lineTimer = undefined;
    // While we hold the connection back the rest of the line may be waiting in the kernel:
    // not the client's delay. The deadline starts again once we read on.
    if (splitter.paused || finalError !== null || evicted || splitter.pendingBytes === 0) return;
    const timeoutMs = limits().requestLineTimeoutMs;
    fail(
      new PortsError('E_PROTOCOL', `Request line not complete within ${timeoutMs} ms (limits.request_line_timeout_ms); closing`, {
        bytes: splitter.pendingBytes,
        timeoutMs,
      }),
    );
  };

  /** The deadline runs from a line's first byte to its newline; more bytes do not extend it. */
  const trackPartialLine = (linesBefore: number): void => {
    if (splitter.pendingBytes === 0) {
      if (lineTimer !== undefined) {
        clearTimeout(lineTimer);
        lineTimer = undefined;
      }
      return;
    }
    // The same unfinished line as before: its deadline stands.
    if (lineTimer !== undefined && splitter.linesSeen === linesBefore) return;
    clearTimeout(lineTimer);
    lineTimer = setTimeout(onLineDeadline, limits().requestLineTimeoutMs);
    lineTimer.unref();
  };

  const maybeResume = (): void => {
    if (!splitter.paused || finalError !== null || evicted || overBudget()) return;
    const linesBefore = splitter.linesSeen;
    if (splitter.resume()) socket.resume();
    trackPartialLine(linesBefore);
  };

  const splitter = createLineSplitter({
    maxLineBytes: limits().maxLineBytes,
    onLine(line) {
      pending++;
      hooks.onRequest(1);
      handler
        .handleLine(session, line)
        .then(send, (error: unknown) => log.warn({ err: error }, 'handler threw'))
        .finally(() => {
          pending--;
          hooks.onRequest(-1);
          maybeResume();
          closeIfDone();
        });
      if (!overBudget()) return true;
      socket.pause();
      return false;
    },
    onInvalidUtf8(line) {
      send(handler.rejectInvalidUtf8(line));
    },
    onOverflow(bytes) {
      fail(new PortsError('E_PROTOCOL', `Line longer than ${limits().maxLineBytes} bytes (limits.max_line_bytes); closing`, { bytes }));
    },
  });

  socket.setTimeout(limits().idleTimeoutMs);
  // A follower is idle by design: only non-followers time out.
  socket.on('timeout', () => (session.following ? undefined : socket.destroy()));
  socket.on('error', (error) => log.debug({ err: error }, 'connection error'));
  socket.on('drain', maybeResume);
  socket.on('data', (chunk: Buffer) => {
    if (evicted) return;
    const linesBefore = splitter.linesSeen;
    splitter.push(chunk);
    trackPartialLine(linesBefore);
  });

  const connection: Connection = {
    socket,
    get idleSince() {
      return idleSince;
    },
    get busy() {
      return pending > 0 || session.following === true;
    },
    evict(now, maxConnections, linger) {
      if (evicted) return;
      evicted = true;
      clearTimeout(lineTimer);
      splitter.pause();
      const idleMs = Math.round(now - idleSince);
      const error = new PortsError(
        'E_LIMIT',
        `Closed to make room for a new connection: idle for ${(idleMs / 1000).toFixed(1)} s while the daemon was full (it admits ${maxConnections} connections)`,
        { limit: 'max_connections', reason: 'evicted', idleMs, maxConnections },
      );
      closeWithLine(socket, encodeLine({ id: null, ok: false, error: error.toWire() } satisfies Reply), linger);
    },
    end: () => socket.end(),
    destroy: () => socket.destroy(),
  };

  socket.on('close', () => {
    clearTimeout(lineTimer);
    for (const cleanup of closeCallbacks) cleanup();
    hooks.onClose(connection);
  });
  return connection;
}
