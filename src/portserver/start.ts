/**
 * Bring up the portserver socket for the daemon, with the checks of the main socket: path
 * length, a private (0700) folder, a stale socket cleared but a live one refused, the socket
 * 0600. Fails with E_PATH rather than run without it: portpicker falls back silently to
 * picking ports on its own, so a missing portserver would go unnoticed.
 */
import { dirname, resolve } from 'node:path';
import { isPortsError, PortsError } from '../errors.js';
import { MAX_SOCKET_PATH_BYTES, socketPathProblem } from '../shared/paths.js';
import type { PortRange } from '../shared/port-range.js';
import { ensurePrivateDir } from '../system/private-dir.js';
import type { ProcessInspector } from '../system/process-info.js';
import { clearStaleSocket } from '../system/unix-socket.js';
import { createPortserverHandler, type PortserverAllocator, type PortserverPool } from './handler.js';
import { createPortserverServer, type PortserverLog, type PortserverResult, type PortserverServer } from './server.js';

export interface PortserverSettings {
  pool: PortserverPool;
  /** How long a connection may take to send its request (config `portserver.timeout_ms`). */
  timeoutMs: number;
}

export interface StartPortserverOptions {
  /** The portserver socket (a relative path is taken from the current folder). */
  path: string;
  settings: PortserverSettings;
  /** The daemon's own socket, which the portserver must not take. */
  mainSocket: string;
  allocator: PortserverAllocator;
  processes: ProcessInspector;
  maxConnections: number;
  log: PortserverLog;
  onResult?(result: PortserverResult): void;
}

/** Where portserver ports come from: `portserver.range`, else the `test` type (config validation makes sure it exists). */
export function portserverPool(range: PortRange | null): PortserverPool {
  return range !== null ? { range } : { type: 'test' };
}

export async function startPortserver(options: StartPortserverOptions): Promise<PortserverServer> {
  const path = resolve(options.path);
  if (path === options.mainSocket) {
    throw new PortsError('E_CONFIG', `The portserver socket must differ from the daemon's socket (${path})`, { socket: path });
  }
  if (socketPathProblem(path)) {
    throw new PortsError(
      'E_PATH',
      `The portserver socket path is ${Buffer.byteLength(path)} bytes; Unix sockets allow at most ${MAX_SOCKET_PATH_BYTES}: ${path}`,
      { socket: path },
    );
  }
  await ensurePrivateDir(dirname(path), { allowGroupRead: false });
  try {
    await clearStaleSocket(path);
  } catch (error) {
    if (!isPortsError(error) || error.code !== 'E_ALREADY_RUNNING') throw error;
    throw new PortsError('E_ALREADY_RUNNING', `Something already answers on the portserver socket ${path} (a portserver, or another daemon)`, { socket: path }, { cause: error });
  }
  const server = createPortserverServer({
    handler: createPortserverHandler({
      allocator: options.allocator,
      processes: options.processes,
      pool: options.settings.pool,
    }),
    timeoutMs: options.settings.timeoutMs,
    maxConnections: options.maxConnections,
    log: options.log,
    ...(options.onResult ? { onResult: options.onResult } : {}),
  });
  try {
    await server.listen(path);
  } catch (error) {
    await server.close();
    throw new PortsError('E_PATH', `Cannot listen on the portserver socket ${path}: ${(error as Error).message}`, { socket: path }, { cause: error });
  }
  options.log.info({ socket: path, pool: options.settings.pool, timeoutMs: options.settings.timeoutMs }, 'portserver listening');
  return server;
}
