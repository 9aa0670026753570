/**
 * Reaching the user's daemon: where its socket is, whether autostart is allowed, and the loop
 * that starts a daemon when none answers and waits for it. Generic over what one attempt makes
 * (the client passes "open the socket and say hello"), so this module knows nothing of PortsClient.
 */
import { isPortsError, PortsError } from '../errors.js';
import { pause } from '../shared/pause.js';
import { locateSocket } from './locate.js';
import { isRefusal } from './refusal.js';

export interface ConnectOptions {
  /** Socket path; default: $PORTS_SOCKET, user config, XDG default. */
  socketPath?: string;
  /** Start the daemon when none answers (default true unless PORTS_NO_AUTOSTART turns it off: see autostartAllowed). */
  autostart?: boolean;
  /** How long to wait for an auto-started daemon, in ms (default 15000). */
  startTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Sent in hello, shown in the daemon's log. */
  clientName?: string;
}

/** Values of PORTS_NO_AUTOSTART that leave autostart on (compared trimmed, ignoring case). */
const AUTOSTART_ON = new Set(['', '0', 'false', 'no', 'off']);

/**
 * Whether PORTS_NO_AUTOSTART leaves autostart on. Unset, empty, `0`, `false`, `no` or `off` (any
 * case) leave it on; `1`, `true`, `yes`, `on` and any other value turn it off, as `NO_COLOR` does:
 * setting the variable at all says "no". Pure.
 */
export function autostartAllowed(env: NodeJS.ProcessEnv): boolean {
  const value = env['PORTS_NO_AUTOSTART'];
  return value === undefined || AUTOSTART_ON.has(value.trim().toLowerCase());
}

/**
 * Run `attempt` against the daemon's socket; when no daemon answers (`E_DAEMON_UNREACHABLE`, not
 * a refusal) and autostart is on, start one in the background and retry until it answers or
 * `startTimeoutMs` passes. Other failures are thrown as they are.
 */
export async function reachDaemon<T>(options: ConnectOptions, attempt: (socketPath: string) => Promise<T>): Promise<T> {
  const env = options.env ?? process.env;
  const socketPath = options.socketPath ?? locateSocket(env);
  const autostart = options.autostart ?? autostartAllowed(env);
  try {
    return await attempt(socketPath);
  } catch (error) {
    // A daemon that is full, or a socket that is not ours: another daemon would not help.
    if (!autostart || !isPortsError(error) || error.code !== 'E_DAEMON_UNREACHABLE' || isRefusal(error)) throw error;
  }
  // Loaded only when no daemon answered: child_process and friends stay off the common path.
  const { spawnDaemonOnce } = await import('./autostart.js');
  const start = await spawnDaemonOnce(socketPath, env);
  let deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  let last: unknown = null;
  try {
    for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 2, 250)) {
      await pause(delay);
      try {
        return await attempt(socketPath);
      } catch (error) {
        last = error;
        if (!isPortsError(error) || error.code !== 'E_DAEMON_UNREACHABLE' || isRefusal(error)) throw error;
      }
      // A daemon that exited may have lost a start race to another one: give that a moment.
      if (start.exitCode() !== null) deadline = Math.min(deadline, Date.now() + 1000);
    }
  } finally {
    await start.releaseLock();
  }
  const exitCode = start.exitCode();
  if (exitCode !== null) {
    const why = await start.startErrors();
    throw new PortsError(
      'E_DAEMON_UNREACHABLE',
      why ? `The daemon failed to start: ${why}` : `The daemon failed to start (exit code ${exitCode}); run \`ports daemon --foreground\` to see why`,
      { socket: socketPath, exitCode },
      { cause: last },
    );
  }
  throw new PortsError(
    'E_DAEMON_UNREACHABLE',
    `Started the daemon but it did not answer on ${socketPath} within ${options.startTimeoutMs ?? 15_000} ms; see daemon.log in its state folder, or run \`ports daemon --foreground\``,
    { socket: socketPath },
    { cause: last },
  );
}
