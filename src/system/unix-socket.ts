/**
 * A server on a Unix socket path that only its user may use (0600; the folder is checked
 * 0700 before), and removal of that path only while it is still ours; or a server on a
 * listening socket inherited from a service manager, which is never removed.
 */
import { chmod, lstat, stat, unlink } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { PortsError } from '../errors.js';

export interface ListeningSocket {
  path: string;
  /** The inode we created, so a newer daemon's socket at the same path is never unlinked. */
  ino: number;
}

export async function listenPrivate(server: Server, path: string): Promise<ListeningSocket> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  return { path, ino: (await stat(path)).ino };
}

/**
 * Serve a listening socket this process inherited (socket activation). It was not created here,
 * so there is nothing to unlink later: libuv does not unlink a socket it did not bind, and the
 * service manager keeps it for the next start.
 */
export async function listenInherited(server: Server, fd: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function unlinkIfOurs(socket: ListeningSocket | null): Promise<void> {
  if (!socket) return;
  const now = await stat(socket.path).catch(() => null);
  if (now && now.ino === socket.ino) await unlink(socket.path).catch(() => undefined);
}

/**
 * Make the socket path ready to bind: a stale socket (nobody answers) is removed; a live one is a
 * running daemon; anything that is not a socket is left alone and refused.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  const info = await lstat(path).catch(() => null);
  if (!info) return;
  if (!info.isSocket()) {
    throw new PortsError('E_PATH', `${path} exists and is not a socket; refusing to replace it`, { path });
  }
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) {
    throw new PortsError('E_ALREADY_RUNNING', `Another daemon answers on ${path} (with another state folder)`, { socket: path });
  }
  await unlink(path).catch(() => undefined);
}
