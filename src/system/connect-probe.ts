/**
 * Does something accept TCP connections on host:port? A connect probe cannot disturb a server
 * that is starting, unlike a test bind. Three answers: `open`; `closed` (refused, or the address
 * family is absent here); `unknown` when the probe itself could not be made or finished — out of
 * descriptors or memory, or no answer within the timeout (a full accept queue still means
 * something listens).
 */
import { connect } from 'node:net';

export type ConnectOutcome = 'open' | 'closed' | 'unknown';

const CLOSED = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'ENETUNREACH', 'EHOSTUNREACH']);

export function probeConnect(port: number, host: string, timeoutMs: number): Promise<{ outcome: ConnectOutcome; code: string | null }> {
  return new Promise((resolve) => {
    let socket: ReturnType<typeof connect>;
    try {
      socket = connect({ port, host });
    } catch (error) {
      resolve({ outcome: 'unknown', code: (error as NodeJS.ErrnoException).code ?? 'ERROR' });
      return;
    }
    const done = (outcome: ConnectOutcome, code: string | null) => {
      socket.destroy();
      resolve({ outcome, code });
    };
    socket.setTimeout(timeoutMs, () => done('unknown', 'ETIMEDOUT'));
    socket.once('connect', () => done('open', null));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'ERROR';
      done(CLOSED.has(code) ? 'closed' : 'unknown', code);
    });
  });
}

/** Whether host:port accepted a connection within the timeout (anything else is false). */
export async function acceptsConnections(port: number, host: string, timeoutMs: number): Promise<boolean> {
  return (await probeConnect(port, host, timeoutMs)).outcome === 'open';
}
