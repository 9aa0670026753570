import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/**
 * The helper process of the scale bench: it owns the bench's live allocations (its pid is their
 * owner) and, when asked over IPC, listens on 127.0.0.1:<port> so each port is in the kernel's
 * LISTEN table the daemon's HealthMonitor reads. It exits as soon as the bench goes away (IPC
 * disconnect), so it can never outlive the bench even when the bench is killed.
 *
 * Messages in:  {type:'listen', id, port} · {type:'close', id, port}
 * Messages out: {type:'ready', pid, fdLimit} · {type:'done', id, ok, error?}
 */
export type ListenerRequest = { type: 'listen'; id: number; port: number } | { type: 'close'; id: number; port: number };
export type ListenerMessage =
  | { type: 'ready'; pid: number; fdLimit: number | null }
  | { type: 'done'; id: number; ok: boolean; error?: string };

/** Soft RLIMIT_NOFILE from /proc/self/limits; null where it cannot be read. */
function openFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === 'unlimited') return Number.MAX_SAFE_INTEGER; // IPC is JSON: no Infinity
    const value = Number(soft);
    return Number.isInteger(value) ? value : null;
  } catch {
    return null;
  }
}

function main(): void {
  if (process.send === undefined) {
    console.error('listener-child: start me with an IPC channel (the bench does)');
    process.exit(2);
  }
  const send = (message: ListenerMessage): void => {
    process.send?.(message);
  };
  const servers = new Map<number, Server>();

  process.on('message', (message: ListenerRequest) => {
    if (message.type === 'listen') {
      const server = createServer((socket) => socket.destroy());
      server.once('error', (error: NodeJS.ErrnoException) => send({ type: 'done', id: message.id, ok: false, error: error.code ?? error.message }));
      server.listen({ port: message.port, host: '127.0.0.1' }, () => {
        servers.set(message.port, server);
        send({ type: 'done', id: message.id, ok: true });
      });
    } else if (message.type === 'close') {
      const server = servers.get(message.port);
      servers.delete(message.port);
      if (!server) send({ type: 'done', id: message.id, ok: true });
      else server.close(() => send({ type: 'done', id: message.id, ok: true }));
    }
  });
  // The bench is gone (exited, crashed or killed): so are we.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', pid: process.pid, fdLimit: openFileLimit() });
}

main();
