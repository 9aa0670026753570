/**
 * NDJSON over a Unix socket, many requests in flight on one connection (matched by id).
 */
import { connect, type Socket } from 'node:net';
import { PortsError } from '../errors.js';
import { createLineSplitter } from '../protocol/framing.js';
import { socketPathProblem } from '../shared/paths.js';
import type { EventPush, Reply } from '../protocol/results.js';
import type { Transport } from './transport.js';

export interface SocketTransportOptions {
  path: string;
  /** Connect timeout in ms. */
  connectTimeoutMs?: number;
  /** Largest reply line accepted (status over many allocations is large). */
  maxLineBytes?: number;
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ECONNRESET', 'EPIPE']);

export function connectSocket(options: SocketTransportOptions): Promise<Transport> {
  // Node silently truncates a longer path and would connect somewhere else.
  const tooLong = socketPathProblem(options.path);
  if (tooLong) return Promise.reject(new PortsError('E_PATH', tooLong, { socket: options.path }));
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    let socket: Socket;
    let done = false;
    /** EAGAIN seen: the daemon's queue of connections not yet accepted is full (a burst of connections). */
    let busy = false;
    let retry: NodeJS.Timeout | undefined;
    let backoffMs = 5;
    const fail = (error: PortsError): void => {
      done = true;
      clearTimeout(timer);
      clearTimeout(retry);
      reject(error);
    };
    const timer = setTimeout(() => {
      socket.destroy();
      fail(
        busy
          ? new PortsError(
              'E_DAEMON_UNREACHABLE',
              `The daemon on ${options.path} did not take the connection within ${timeoutMs} ms: its queue of new connections stayed full (EAGAIN); try again`,
              { socket: options.path, errno: 'EAGAIN', reason: 'busy' },
            )
          : new PortsError('E_DAEMON_UNREACHABLE', `No daemon answered on ${options.path} within ${timeoutMs} ms`, { socket: options.path }),
      );
    }, timeoutMs);
    const onConnectError = (error: NodeJS.ErrnoException): void => {
      if (done) return;
      const code = error.code ?? '';
      if (code === 'EAGAIN') {
        // Not refused: the kernel's accept queue is full for now. Try again shortly, until the timeout.
        busy = true;
        retry = setTimeout(attempt, backoffMs);
        backoffMs = Math.min(backoffMs * 2, 100);
        return;
      }
      if (code === 'EACCES') {
        // Someone else's socket, or a folder we may not enter: say whose, not "no daemon".
        done = true;
        clearTimeout(timer);
        void import('./access-denied.js').then(({ accessDeniedError }) => accessDeniedError(options.path, error)).then(reject, reject);
        return;
      }
      fail(
        new PortsError(
          UNREACHABLE.has(code) ? 'E_DAEMON_UNREACHABLE' : 'E_INTERNAL',
          `No daemon is running on ${options.path} (${code || error.message})`,
          { socket: options.path, errno: code },
          { cause: error },
        ),
      );
    };
    const attempt = (): void => {
      socket = connect(options.path);
      socket.once('connect', () => {
        done = true;
        clearTimeout(timer);
        socket.off('error', onConnectError);
        resolve(wrapSocket(socket, options));
      });
      socket.once('error', onConnectError);
    };
    attempt();
  });
}

function wrapSocket(socket: Socket, options: SocketTransportOptions): Transport {
  const pending = new Map<number, { resolve(reply: Reply): void; reject(error: unknown): void }>();
  let failure: PortsError | null = null;
  let closing: Promise<void> | null = null;
  let drainWaiters: Array<() => void> = [];
  const pushListeners: Array<(message: EventPush) => void> = [];
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const settleDrain = (): void => {
    if (pending.size > 0) return;
    for (const wake of drainWaiters) wake();
    drainWaiters = [];
  };

  const failAll = (error: PortsError): void => {
    failure ??= error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    settleDrain();
  };

  const splitter = createLineSplitter({
    maxLineBytes: options.maxLineBytes ?? 256 * 1024 * 1024,
    onLine(line) {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        failAll(new PortsError('E_PROTOCOL', 'The daemon sent a line that is not JSON'));
        socket.destroy();
        return;
      }
      if ('event' in reply && reply.event !== undefined) {
        for (const listener of pushListeners) listener(reply as unknown as EventPush);
        return;
      }
      if (typeof reply.id === 'number' && pending.has(reply.id)) {
        const waiter = pending.get(reply.id);
        pending.delete(reply.id);
        waiter?.resolve(reply);
        settleDrain();
      } else if (reply.id === null && !reply.ok) {
        // A connection-level error (limit, protocol): every request in flight fails with it.
        failAll(PortsError.fromWire(reply.error));
      }
    },
    onOverflow() {
      failAll(new PortsError('E_PROTOCOL', 'The daemon sent a reply larger than this client accepts'));
      socket.destroy();
    },
  });
  socket.on('data', (chunk: Buffer) => splitter.push(chunk));
  // An error (EPIPE on our write, ECONNRESET) is reported at close: a line the daemon sent
  // before closing (a connection limit, say) is read first and explains it better.
  let lost: NodeJS.ErrnoException | null = null;
  socket.on('error', (error: NodeJS.ErrnoException) => (lost ??= error));
  socket.on('close', () => {
    markClosed();
    failAll(
      lost === null
        ? new PortsError('E_DAEMON_UNREACHABLE', 'The daemon closed the connection', { socket: options.path })
        : new PortsError('E_DAEMON_UNREACHABLE', `Lost the connection to the daemon: ${lost.code ?? lost.message}`, { socket: options.path }, { cause: lost }),
    );
  });

  return {
    closed,
    onPush(listener) {
      pushListeners.push(listener);
    },
    request(message) {
      if (failure) return Promise.reject(failure);
      return new Promise<Reply>((resolve, reject) => {
        pending.set(message.id, { resolve, reject });
        socket.write(`${JSON.stringify(message)}\n`);
      });
    },
    close() {
      closing ??= (async () => {
        if (pending.size > 0) await new Promise<void>((resolve) => drainWaiters.push(resolve));
        failure ??= new PortsError('E_DAEMON_UNREACHABLE', 'The client is closed');
        await new Promise<void>((resolve) => {
          if (socket.destroyed) return resolve();
          socket.once('close', () => resolve());
          socket.end();
        });
      })();
      return closing;
    },
    destroy() {
      failAll(new PortsError('E_DAEMON_UNREACHABLE', 'The client was destroyed'));
      socket.destroy();
    },
  };
}
