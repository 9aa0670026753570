/**
 * The portserver protocol on a Unix socket: one request per connection, read until a newline,
 * EOF or 100 bytes; the reply `"<port>\n"` in a single write, or no reply at all on refusal;
 * then close. Every connection ends within `timeoutMs`, whatever the client does, and every
 * error is caught: a connection is never left open. No decisions live here (see handler.ts).
 */
import { listenPrivate, unlinkIfOurs, type ListeningSocket } from '../system/unix-socket.js';
import { createServer, type Server, type Socket } from 'node:net';
import type { PortserverHandler, PortserverOutcome } from './handler.js';
import { requestEnd } from './request.js';

export interface PortserverLog {
  info(object: object, message: string): void;
  debug(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** How a connection ended: the handler's outcome, or `timeout` (no request, or no reply, in time) or `abandoned` (the reply could not be sent). */
export type PortserverResult = PortserverOutcome['result'] | 'timeout' | 'abandoned';

export interface PortserverServerOptions {
  handler: PortserverHandler;
  /** The whole connection's deadline, from accept to close. */
  timeoutMs: number;
  maxConnections: number;
  log: PortserverLog;
  /** Called once per connection (metrics). */
  onResult?(result: PortserverResult): void;
}

export interface PortserverServer {
  listen(path: string): Promise<void>;
  /** Stop accepting, drop connections that have not sent a request, let requests being handled finish, unlink the socket. Idempotent. */
  close(): Promise<void>;
  readonly connections: number;
}

interface Connection {
  socket: Socket;
  state: 'reading' | 'handling' | 'done';
  timedOut: boolean;
}

/** What the log line says about an outcome other than `allocated`. */
function outcomeFields(outcome: Exclude<PortserverOutcome, { result: 'allocated' }>): Record<string, unknown> {
  switch (outcome.result) {
    case 'invalid':
      return { message: outcome.message };
    case 'refused':
      return { requested: outcome.requested, reason: outcome.reason, message: outcome.message };
    case 'exhausted':
      return { ownerPid: outcome.pid, message: outcome.message };
    case 'error':
      return { requested: outcome.requested, err: outcome.error };
  }
}

export function createPortserverServer(options: PortserverServerOptions): PortserverServer {
  const { handler, log } = options;
  const connections = new Set<Connection>();
  const handling = new Set<Promise<void>>();
  let server: Server | null = null;
  let listening: ListeningSocket | null = null;
  let closing: Promise<void> | null = null;

  const report = (connection: Connection, result: PortserverResult, fields: Record<string, unknown>, startedAt: number): void => {
    connection.state = 'done';
    const ms = Math.round((performance.now() - startedAt) * 10) / 10;
    if (result === 'error') log.warn({ result, ms, ...fields }, 'portserver request failed');
    else log.debug({ result, ms, ...fields }, 'portserver request');
    try {
      options.onResult?.(result);
    } catch (error) {
      log.warn({ err: error }, 'portserver result hook threw');
    }
  };

  async function respond(connection: Connection, request: Buffer, startedAt: number): Promise<void> {
    const { socket } = connection;
    let outcome: PortserverOutcome;
    try {
      outcome = await handler(request);
    } catch (error) {
      outcome = { result: 'error', requested: '?', error };
    }
    if (outcome.result !== 'allocated') {
      // A refusal is a close without a reply, which portpicker reads as "no port".
      socket.end();
      report(connection, outcome.result, { bytes: request.length, ...outcomeFields(outcome) }, startedAt);
      return;
    }
    const { pid, port } = outcome;
    const giveBack = async (result: 'timeout' | 'abandoned', error?: unknown): Promise<void> => {
      try {
        await outcome.release();
      } catch (releaseError) {
        log.warn({ err: releaseError, port, ownerPid: pid }, 'could not release an undelivered portserver port');
      }
      report(connection, result, { ownerPid: pid, port, released: true, ...(error ? { err: error } : {}) }, startedAt);
    };
    if (socket.destroyed || !socket.writable) {
      // The deadline passed (or the client left) while we allocated.
      await giveBack(connection.timedOut ? 'timeout' : 'abandoned');
      return;
    }
    await new Promise<void>((resolve) => {
      // One write: portpicker reads the reply with a single recv().
      socket.write(`${port}\n`, (error) => {
        if (error) void giveBack('abandoned', error).finally(resolve);
        else {
          report(connection, 'allocated', { ownerPid: pid, port }, startedAt);
          resolve();
        }
      });
      socket.end();
    });
  }

  const onConnection = (socket: Socket): void => {
    const startedAt = performance.now();
    const connection: Connection = { socket, state: 'reading', timedOut: false };
    connections.add(connection);
    let buffered = Buffer.alloc(0);

    const timer = setTimeout(() => {
      connection.timedOut = true;
      if (connection.state === 'reading') report(connection, 'timeout', { bytes: buffered.length }, startedAt);
      // While handling, respond() sees the destroyed socket and gives the port back.
      socket.destroy();
    }, options.timeoutMs);
    timer.unref();
    socket.on('close', () => {
      clearTimeout(timer);
      connections.delete(connection);
    });
    socket.on('error', (error) => log.debug({ err: error }, 'portserver connection error'));

    const start = (request: Buffer): void => {
      if (connection.state !== 'reading') return;
      connection.state = 'handling';
      socket.off('data', onData);
      socket.off('end', onEnd);
      // Anything more the client sends is read and dropped, so its close is seen at once.
      socket.resume();
      const task = respond(connection, request, startedAt)
        .catch((error: unknown) => {
          socket.destroy();
          if (connection.state !== 'done') report(connection, 'error', { err: error }, startedAt);
        })
        .finally(() => handling.delete(task));
      handling.add(task);
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = requestEnd(buffered);
      if (end !== null) start(buffered.subarray(0, end));
    };
    // No newline before EOF: the request is whatever came (portpicker always sends one, others may not).
    const onEnd = (): void => start(buffered);
    socket.on('data', onData);
    socket.on('end', onEnd);
  };

  return {
    get connections() {
      return connections.size;
    },
    async listen(path: string) {
      // allowHalfOpen: a client may shut down its side after the request and still read the reply.
      const created = createServer({ allowHalfOpen: true }, onConnection);
      created.maxConnections = options.maxConnections;
      server = created;
      listening = await listenPrivate(created, path);
      created.on('error', (error) => log.warn({ err: error }, 'portserver socket error'));
    },
    close() {
      closing ??= (async () => {
        const current = server;
        const closed = current ? new Promise<void>((resolve) => current.close(() => resolve())) : Promise.resolve();
        for (const connection of connections) if (connection.state === 'reading') connection.socket.destroy();
        // Requests being handled finish (their replies go out); each has its deadline.
        await Promise.allSettled([...handling]);
        for (const connection of connections) connection.socket.destroy();
        await closed;
        await unlinkIfOurs(listening);
      })();
      return closing;
    },
  };
}
