import { connect, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';

/** A raw connection to a Unix socket, destroyed when the test ends. */
export function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
    onTestFinished(() => void socket.destroy());
  });
}
