import type { Handler, Session } from '../protocol/session.js';
import { PortsError } from '../errors.js';
import type { EventPush, Reply } from '../protocol/results.js';
import type { Transport } from './transport.js';

/**
 * A transport that calls a daemon handler in the same process: client and daemon meet without
 * a socket. Messages are round-tripped through JSON so they look exactly as on the wire.
 */
export function createMemoryTransport(handler: Handler): Transport {
  const listeners: Array<(message: EventPush) => void> = [];
  const cleanups: Array<() => void> = [];
  const session: Session = {
    helloDone: false,
    push: (message) => {
      const copy = JSON.parse(JSON.stringify(message)) as EventPush;
      for (const listener of listeners) listener(copy);
    },
    onClose: (cleanup) => cleanups.push(cleanup),
  };
  const inFlight = new Set<Promise<Reply>>();
  let closed = false;
  let markClosed!: () => void;
  const closedPromise = new Promise<void>((resolve) => (markClosed = resolve));
  const finish = (): void => {
    closed = true;
    for (const cleanup of cleanups.splice(0)) cleanup();
    markClosed();
  };
  return {
    closed: closedPromise,
    onPush(listener) {
      listeners.push(listener);
    },
    request(message) {
      if (closed) return Promise.reject(new PortsError('E_DAEMON_UNREACHABLE', 'The client is closed'));
      const wire = JSON.parse(JSON.stringify(message)) as unknown;
      const reply = handler.handle(session, wire).then((r) => JSON.parse(JSON.stringify(r)) as Reply);
      inFlight.add(reply);
      void reply.finally(() => inFlight.delete(reply)).catch(() => undefined);
      return reply;
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      finish();
    },
    destroy() {
      finish();
    },
  };
}
