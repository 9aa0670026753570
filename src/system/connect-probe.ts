import { connect } from 'node:net';

/**
 * Does something accept TCP connections on host:port? A connect probe cannot disturb a server
 * that is starting, unlike a test bind.
 */
export function acceptsConnections(port: number, host: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
