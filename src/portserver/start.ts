import { dirname, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import type { AllocationService } from '../daemon/allocation-service.js';
import { ensurePrivateDir } from '../daemon/secure-dir.js';
import { clearStaleSocket } from '../daemon/single-instance.js';
import { isPortsError, PortsError } from '../errors.js';
import { MAX_SOCKET_PATH_BYTES, socketPathProblem } from '../shared/paths.js';
import type { ProcessInspector } from '../system/process-info.js';
import { createPortserverHandler, type PortserverPool } from './handler.js';
import { createPortserverServer, type PortserverLog, type PortserverResult, type PortserverServer } from './server.js';

/**
 * Bring up the portserver socket for the daemon, with the checks of the main socket: path
 * length, a private (0700) folder, a stale socket cleared but a live one refused, the socket
 * 0600. Fails with E_PATH rather than run without it: portpicker falls back silently to
 * picking ports on its own, so a missing portserver would go unnoticed.
 */
export interface StartPortserverOptions {
  /** The portserver socket (a relative path is taken from the current folder). */
  path: string;
  settings: Config['portserver'];
  /** The daemon's own socket, which the portserver must not take. */
  mainSocket: string;
  allocations: Pick<AllocationService, 'allocate' | 'release'>;
  processes: ProcessInspector;
  maxConnections: number;
  log: PortserverLog;
  onResult?(result: PortserverResult): void;
}

/** Where portserver ports come from: `portserver.range`, else the `test` type (config validation makes sure it exists). */
export function portserverPool(settings: Config['portserver']): PortserverPool {
  return settings.range !== null ? { range: settings.range } : { type: 'test' };
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
      allocations: options.allocations,
      processes: options.processes,
      pool: portserverPool(options.settings),
    }),
    timeoutMs: options.settings.timeout_ms,
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
  options.log.info({ socket: path, pool: portserverPool(options.settings), timeoutMs: options.settings.timeout_ms }, 'portserver listening');
  return server;
}
