/**
 * The checks on a socket a service manager passed (socket activation) before the daemon serves
 * it instead of binding its socket path: a listening Unix stream socket, bound to the socket path
 * the daemon is configured with (clients find the daemon there), and as private as a socket the
 * daemon makes itself (owned by this user, mode 0600 or stricter; the folder is checked 0700
 * before). A mismatch stops the start with E_PATH: serving one path while clients look at
 * another would leave them starting a second daemon.
 */
import { lstat, realpath } from 'node:fs/promises';
import { PortsError } from '../errors.js';
import { inspectSocketFd, type UnixSocketEntry } from '../system/unix-socket-table.js';

export interface InheritedCheck {
  /** Checks that could not be made (no /proc), for the log. */
  warnings: string[];
}

const HOW = 'ListenStream= of the .socket unit must be the socket path the daemon resolves (PORTS_SOCKET, paths.socket, or the XDG default); `ports service install` writes matching units';

/** Same file, also through symlinked folders (the kernel keeps the path as it was bound). */
async function samePath(bound: string, configured: string): Promise<boolean> {
  if (bound === configured) return true;
  const [a, b] = await Promise.all([realpath(bound).catch(() => null), realpath(configured).catch(() => null)]);
  return a !== null && a === b;
}

function describeKind(entry: UnixSocketEntry): string | null {
  if (!entry.stream) return 'is not a stream socket (datagram or seqpacket)';
  if (!entry.listening) return 'is not listening (listen() was not called on it)';
  if (entry.path === null) return 'is not bound to a path';
  if (entry.path.startsWith('@')) return `is bound to the abstract name ${entry.path}, not a path`;
  return null;
}

export async function checkInheritedSocket(fd: number, socketPath: string): Promise<InheritedCheck> {
  const refuse = (what: string, details: Record<string, unknown> = {}) =>
    new PortsError('E_PATH', `The socket passed by the service manager (fd ${fd}) ${what}; ${HOW}`, { fd, socket: socketPath, ...details });
  const warnings: string[] = [];
  const found = await inspectSocketFd(fd);
  if (!found.ok) throw refuse(found.reason.replace(/^fd \d+ /, ''));
  if (found.entry === null) {
    warnings.push(`cannot read /proc/net/unix: fd ${fd} is a socket, but whether it is a listening Unix stream socket on ${socketPath} is not checked`);
  } else {
    const problem = describeKind(found.entry);
    if (problem !== null) throw refuse(problem);
    const bound = found.entry.path as string;
    if (!(await samePath(bound, socketPath))) throw refuse(`is bound to ${bound}, but the daemon's socket path is ${socketPath}`, { bound });
  }
  const info = await lstat(socketPath).catch(() => null);
  if (!info || !info.isSocket()) throw refuse(`was passed, but ${socketPath} is ${info ? 'not a socket' : 'missing'}`);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) throw refuse(`is owned by uid ${info.uid}, not by you (uid ${uid})`, { owner: info.uid, uid });
  const mode = info.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new PortsError('E_PATH', `The socket passed by the service manager, ${socketPath}, has mode ${mode.toString(8)}; it must be 0600 like a socket the daemon makes (SocketMode=0600 in the .socket unit)`, {
      fd,
      socket: socketPath,
      mode: mode.toString(8),
    });
  }
  return { warnings };
}
