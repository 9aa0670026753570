import { chmod, stat, unlink } from 'node:fs/promises';
import type { Server } from 'node:net';

/**
 * A server on a Unix socket path that only its user may use (0600; the folder is checked
 * 0700 before), and removal of that path only while it is still ours.
 */
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

export async function unlinkIfOurs(socket: ListeningSocket | null): Promise<void> {
  if (!socket) return;
  const now = await stat(socket.path).catch(() => null);
  if (now && now.ino === socket.ino) await unlink(socket.path).catch(() => undefined);
}
