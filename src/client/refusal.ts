import { isPortsError, PortsError } from '../errors.js';

/**
 * A daemon that is there but would not serve this connection. Starting another daemon cannot
 * help with any of these, so autostart leaves them alone:
 * - `full`: it refused the connection because its table is full of busy connections
 *   (`limits.max_connections`); it sends that as an `E_LIMIT` line, turned here into an
 *   `E_DAEMON_UNREACHABLE` (exit 3) that says so.
 * - `busy`: EAGAIN until the connect timeout: its queue of connections not yet accepted stayed
 *   full (`E_DAEMON_UNREACHABLE`, exit 3).
 * - `permission`: EACCES on the socket (another user's, or one we may not reach): `E_PATH`.
 */
export function isRefusal(error: unknown): boolean {
  if (!isPortsError(error)) return false;
  const reason = error.details?.['reason'];
  return reason === 'full' || reason === 'busy' || reason === 'permission';
}

/** The daemon's "full" refusal line (`E_LIMIT`, `details.reason: 'full'`) as the client reports it; anything else as it is. */
export function describeRefusal(error: unknown, socketPath: string): unknown {
  if (!isPortsError(error) || error.code !== 'E_LIMIT' || error.details?.['reason'] !== 'full') return error;
  const max = error.details['maxConnections'];
  const held = error.details['connections'] ?? max;
  return new PortsError(
    'E_DAEMON_UNREACHABLE',
    `The daemon on ${socketPath} is full (${String(held)} connections; it admits ${String(max)}: limits.max_connections, lowered to fit its descriptor limit): it refused this connection. ` +
      `Try again, or find who holds connections: ss -xp | grep '${socketPath}'; \`ports doctor\` shows the limits`,
    { socket: socketPath, reason: 'full', maxConnections: max, connections: held },
    { cause: error },
  );
}
