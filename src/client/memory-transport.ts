import type { Handler, Session } from '../daemon/handler.js';
import { PortsError } from '../errors.js';
import type { Reply } from '../protocol/results.js';
import type { Transport } from './transport.js';

/**
 * A transport that calls a daemon handler in the same process: client and daemon meet without
 * a socket. Messages are round-tripped through JSON so they look exactly as on the wire.
 */
export function createMemoryTransport(handler: Handler): Transport {
  const session: Session = { helloDone: false };
  const inFlight = new Set<Promise<Reply>>();
  let closed = false;
  return {
    request(message) {
      if (closed) return Promise.reject(new PortsError('E_DAEMON_UNREACHABLE', 'The client is closed'));
      const wire = JSON.parse(JSON.stringify(message)) as unknown;
      const reply = handler.handle(session, wire).then((r) => JSON.parse(JSON.stringify(r)) as Reply);
      inFlight.add(reply);
      void reply.finally(() => inFlight.delete(reply)).catch(() => undefined);
      return reply;
    },
    async close() {
      closed = true;
      await Promise.allSettled([...inFlight]);
    },
    destroy() {
      closed = true;
    },
  };
}
