import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { waitFor } from './daemon.js';
import { useTempDir } from './temp-dir.js';

/** The daemon's side of one connection to a ScriptedDaemon. */
export interface Peer {
  socket: Socket;
  /** Lines received so far, as sent (without the newline). */
  lines: string[];
  /** What happened on the daemon's side, in order: `line` per line, `end` when the client ended; tests may add their own. */
  log: string[];
  send(text: string): void;
}

export interface ScriptedDaemon {
  path: string;
  /** The daemon's side of the first connection, once accepted. */
  peer(): Promise<Peer>;
}

/**
 * A stand-in for the daemon on a real Unix socket (in a temp folder unless `path` is given)
 * that answers nothing by itself: each test writes its replies by hand, byte for byte. Closed
 * when the test ends. `pauseOnConnect`: it never reads what clients send.
 */
export async function scriptedDaemon(options: { path?: string; pauseOnConnect?: boolean; onConnection?: (peer: Peer) => void } = {}): Promise<ScriptedDaemon> {
  const path = options.path ?? join(useTempDir(), 'd.sock');
  const peers: Peer[] = [];
  const server = createServer({ pauseOnConnect: options.pauseOnConnect === true }, (socket) => {
    const peer: Peer = { socket, lines: [], log: [], send: (text) => void socket.write(text) };
    let rest = '';
    socket.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        peer.lines.push(line);
        peer.log.push('line');
      }
    });
    socket.on('end', () => peer.log.push('end'));
    socket.on('error', () => undefined);
    peers.push(peer);
    options.onConnection?.(peer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  onTestFinished(async () => {
    for (const peer of peers) peer.socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    path,
    async peer() {
      await waitFor(() => peers.length > 0, 'the connection to be accepted');
      return peers[0] as Peer;
    },
  };
}
