import { createServer, type Server, type Socket } from 'node:net';
import { PortsError } from '../errors.js';
import { createLineSplitter, encodeLine, encodeLinePieces } from '../protocol/framing.js';
import type { Reply } from '../protocol/results.js';
import type { Handler, Session } from './handler.js';
import { listenPrivate, unlinkIfOurs, type ListeningSocket } from '../system/unix-socket.js';

/**
 * Bytes ↔ handler on the Unix socket: NDJSON framing, per-connection limits, backpressure,
 * and a graceful close that finishes in-flight requests. No decisions live here.
 */
export interface ServerLimits {
  maxLineBytes: number;
  maxConnections: number;
  idleTimeoutMs: number;
}

export interface ServerLog {
  warn(object: object, message: string): void;
  debug(object: object, message: string): void;
}

export interface SocketServer {
  listen(path: string): Promise<void>;
  /** Stop accepting, wait for in-flight requests (up to the deadline), close connections, unlink the socket. */
  close(deadlineMs: number): Promise<void>;
  readonly connections: number;
  readonly inFlight: number;
}

/** Requests a connection may have in flight before we stop reading from it. */
const MAX_IN_FLIGHT_PER_CONNECTION = 256;
/** Unread reply bytes a connection may queue before we stop reading from it. */
const MAX_QUEUED_REPLY_BYTES = 4 * 1024 * 1024;

export function createSocketServer(handler: Handler, limits: ServerLimits, log: ServerLog): SocketServer {
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  let server: Server | null = null;
  let listening: ListeningSocket | null = null;
  let closing: Promise<void> | null = null;

  const settle = (): void => {
    if (inFlight === 0) {
      for (const wake of idleWaiters) wake();
      idleWaiters = [];
    }
  };

  const onConnection = (socket: Socket): void => {
    if (sockets.size >= limits.maxConnections) {
      const error = new PortsError('E_LIMIT', `Too many connections (limits.max_connections is ${limits.maxConnections})`);
      socket.end(encodeLine({ id: null, ok: false, error: error.toWire() } satisfies Reply));
      socket.destroySoon?.();
      return;
    }
    sockets.add(socket);
    const closeCallbacks: Array<() => void> = [];
    const session: Session = {
      helloDone: false,
      push(message) {
        // A follower that stops reading is dropped rather than buffered without bound.
        if (socket.writableLength > MAX_QUEUED_REPLY_BYTES) socket.destroy();
        else if (!socket.destroyed && socket.writable) socket.write(encodeLine(message));
      },
      onClose: (cleanup) => closeCallbacks.push(cleanup),
    };
    let pending = 0;
    socket.setTimeout(limits.idleTimeoutMs);
    // A follower is idle by design: only non-followers time out.
    socket.on('timeout', () => (session.following ? undefined : socket.destroy()));
    socket.on('error', (error) => log.debug({ err: error }, 'connection error'));
    socket.on('close', () => {
      sockets.delete(socket);
      for (const cleanup of closeCallbacks) cleanup();
    });

    /** Set when the connection must close once its in-flight replies are sent (a line over the limit). */
    let finalError: Reply | null = null;

    const send = (reply: Reply): void => {
      if (socket.destroyed || !socket.writable) return;
      // All pieces in one go: nothing else is written to this socket in between.
      for (const piece of encodeLinePieces(reply)) socket.write(piece);
    };

    const closeIfDone = (): void => {
      if (finalError && pending === 0) {
        send(finalError);
        finalError = null;
        socket.end();
        socket.destroySoon?.();
      }
    };

    const maybeResume = (): void => {
      if (finalError === null && socket.isPaused() && pending < MAX_IN_FLIGHT_PER_CONNECTION && socket.writableLength < MAX_QUEUED_REPLY_BYTES) {
        socket.resume();
      }
    };
    socket.on('drain', maybeResume);

    const splitter = createLineSplitter({
      maxLineBytes: limits.maxLineBytes,
      onLine(line) {
        pending++;
        inFlight++;
        if (pending >= MAX_IN_FLIGHT_PER_CONNECTION) socket.pause();
        handler
          .handleLine(session, line)
          .then(send, (error: unknown) => log.warn({ err: error }, 'handler threw'))
          .finally(() => {
            pending--;
            inFlight--;
            maybeResume();
            closeIfDone();
            settle();
          });
      },
      onOverflow(bytes) {
        // Stop reading; answer what is in flight, then the error, then close.
        socket.pause();
        const error = new PortsError('E_PROTOCOL', `Line longer than ${limits.maxLineBytes} bytes (limits.max_line_bytes); closing`, { bytes });
        finalError = { id: null, ok: false, error: error.toWire() };
        closeIfDone();
      },
    });
    socket.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      if (socket.writableLength >= MAX_QUEUED_REPLY_BYTES) socket.pause();
    });
  };

  return {
    get connections() {
      return sockets.size;
    },
    get inFlight() {
      return inFlight;
    },
    async listen(path: string) {
      const created = createServer(onConnection);
      server = created;
      listening = await listenPrivate(created, path);
      created.on('error', (error) => log.warn({ err: error }, 'server error'));
    },
    close(deadlineMs: number) {
      closing ??= (async () => {
        const current = server;
        // Stop accepting now; the callback fires once every connection has closed.
        const closed = current ? new Promise<void>((resolve) => current.close(() => resolve())) : Promise.resolve();
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, deadlineMs);
            idleWaiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
        for (const socket of sockets) socket.end();
        let grace: NodeJS.Timeout | undefined;
        await Promise.race([closed, new Promise<void>((resolve) => (grace = setTimeout(resolve, 500)))]);
        clearTimeout(grace);
        for (const socket of sockets) socket.destroy();
        await closed;
        // libuv usually has unlinked it already; a newer daemon's socket is left alone.
        await unlinkIfOurs(listening);
      })();
      return closing;
    },
  };
}
