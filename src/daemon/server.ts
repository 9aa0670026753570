/**
 * The daemon's Unix socket: accepts connections (connection.ts handles each one), keeps the
 * connection table within `maxConnections` by closing the longest-idle connection for a new one
 * (eviction.ts decides which), and closes gracefully, finishing in-flight requests.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { PortsError } from '../errors.js';
import { encodeLine } from '../protocol/framing.js';
import type { Reply } from '../protocol/results.js';
import { closeWithLine, openConnection, type Connection, type ConnectionHooks, type ConnectionLimits, type LingerBudget } from './connection.js';
import { chooseEviction, EVICTION_MIN_IDLE_MS } from './eviction.js';
import type { Handler } from '../protocol/session.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { listenInherited, listenPrivate, unlinkIfOurs, type ListeningSocket } from '../system/unix-socket.js';

export interface ServerLimits extends ConnectionLimits {
  maxConnections: number;
}

export interface ServerLog {
  warn(object: object, message: string): void;
  debug(object: object, message: string): void;
}

export interface SocketServer {
  /** Bind `path` (0600), or serve an inherited listening socket (`{fd}`, socket activation). */
  listen(target: string | { fd: number }): Promise<void>;
  /** Stop accepting, wait for in-flight requests (up to the deadline), close connections, unlink the socket (only one it bound). */
  close(deadlineMs: number): Promise<void>;
  readonly connections: number;
  readonly inFlight: number;
}

/** `clock` times idleness for eviction (tests pass a fake one). */
/** `limits` is read on each use, so a reload applies to connections that start after it. */
export function createSocketServer(handler: Handler, limits: () => ServerLimits, log: ServerLog, clock: Pick<Clock, 'monotonic'> = systemClock): SocketServer {
  const connections = new Set<Connection>();
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  let server: Server | null = null;
  let listening: ListeningSocket | null = null;
  let closing: Promise<void> | null = null;
  const now = (): number => clock.monotonic();
  const linger: LingerBudget = { lingering: 0 };

  const hooks: ConnectionHooks = {
    handler,
    limits,
    log,
    now,
    onRequest(delta) {
      inFlight += delta;
      if (inFlight === 0) {
        for (const wake of idleWaiters) wake();
        idleWaiters = [];
      }
    },
    onClose: (connection) => connections.delete(connection),
  };

  /** The table is full: close the longest-idle connection, or refuse this one when none may go. */
  const makeRoom = (socket: Socket): boolean => {
    const at = now();
    const idle = chooseEviction(connections, at);
    if (idle !== null) {
      connections.delete(idle);
      log.debug({ idleMs: Math.round(at - idle.idleSince), connections: connections.size }, 'closed the longest-idle connection to make room');
      idle.evict(at, limits().maxConnections, linger);
      return true;
    }
    const error = new PortsError(
      'E_LIMIT',
      `Too many connections (the daemon admits ${limits().maxConnections}: limits.max_connections, lowered to fit its descriptor limit), each busy or active in the last ${EVICTION_MIN_IDLE_MS} ms, so none could be closed to make room`,
      { limit: 'max_connections', reason: 'full', maxConnections: limits().maxConnections, connections: connections.size },
    );
    log.debug({ connections: connections.size }, 'refused a connection: the table is full and every connection is busy');
    closeWithLine(socket, encodeLine({ id: null, ok: false, error: error.toWire() } satisfies Reply), linger);
    return false;
  };

  const onConnection = (socket: Socket): void => {
    if (connections.size >= limits().maxConnections && !makeRoom(socket)) return;
    connections.add(openConnection(socket, hooks));
  };

  return {
    get connections() {
      return connections.size;
    },
    get inFlight() {
      return inFlight;
    },
    async listen(target: string | { fd: number }) {
      const created = createServer(onConnection);
      server = created;
      if (typeof target === 'string') listening = await listenPrivate(created, target);
      else await listenInherited(created, target.fd);
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
        for (const connection of connections) connection.end();
        let grace: NodeJS.Timeout | undefined;
        await Promise.race([closed, new Promise<void>((resolve) => (grace = setTimeout(resolve, 500)))]);
        clearTimeout(grace);
        for (const connection of connections) connection.destroy();
        await closed;
        // libuv usually has unlinked it already; a newer daemon's socket is left alone, and an
        // inherited one (listening stays null) belongs to the service manager.
        await unlinkIfOurs(listening);
      })();
      return closing;
    },
  };
}
