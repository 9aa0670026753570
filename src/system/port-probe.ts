/**
 * The bind test used when handing out a port (never on a live allocation's port: a test bind can
 * make a starting server fail). A port is free when nothing holds it for TCP or UDP on any local
 * address.
 *
 * One bind on the dual-stack wildcard `[::]` (IPV6_V6ONLY off) conflicts with a socket on the same
 * port on any address of either family: 0.0.0.0, ::, 127.0.0.1, ::1, 127.0.0.2, the LAN address
 * (src/system/port-probe.test.ts checks each). So where the host is dual-stack one TCP and one UDP
 * bind cover what binding 0.0.0.0, ::, 127.0.0.1 and ::1 one by one would, at a third of the
 * cost; elsewhere (IPv6 off, or `::` not dual-stack) each wildcard present is bound in turn.
 * Sockets are closed as soon as they are bound (the descriptor is released synchronously by
 * close), and TCP and UDP are tried at the same time.
 *
 * A bind that fails because we are out of descriptors or memory (EMFILE, ENFILE, ENOMEM,
 * ENOBUFS) says nothing about the port: the probe throws an `E_LIMIT` error instead of calling
 * the port in use, so an allocation under exhaustion fails with that cause, not `E_NO_FREE_PORT`.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { PortsError } from '../errors.js';
import { describeResourceError, errorCode, isResourceError } from './resource-errors.js';

export type BindOutcome = 'free' | 'in_use' | 'unavailable';

export interface BindTarget {
  host: '::' | '0.0.0.0';
  /** For `::`: false to take IPv4 too (dual-stack). */
  ipv6Only: boolean;
}

export interface BindPlan {
  tcp: BindTarget[];
  udp: BindTarget[];
}

/** EADDRNOTAVAIL / EAFNOSUPPORT: the family is absent here, which says nothing about the port. */
const ABSENT = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT']);

/** The error for a bind test that could not be made. */
export function exhaustedError(port: number, error: unknown): PortsError {
  const code = errorCode(error) ?? 'ERROR';
  return new PortsError(
    'E_LIMIT',
    `Could not test port ${port}: ${describeResourceError(code)}. No port was handed out; try again shortly (\`ports doctor\` shows the daemon's descriptor limit)`,
    { port, resource: code },
  );
}

function tcpBind(port: number, target: BindTarget): Promise<BindOutcome> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (isResourceError(error)) reject(exhaustedError(port, error));
      else resolve(ABSENT.has(error.code ?? '') ? 'unavailable' : 'in_use');
    });
    server.listen({ port, host: target.host, exclusive: true, ...(target.host === '::' ? { ipv6Only: target.ipv6Only } : {}) }, () => {
      server.close();
      resolve('free');
    });
  });
}

function udpBind(port: number, target: BindTarget): Promise<BindOutcome> {
  return new Promise((resolve, reject) => {
    let socket: ReturnType<typeof createSocket>;
    try {
      // dgram opens the descriptor here: EMFILE is thrown, not emitted.
      socket = createSocket({ type: target.host === '::' ? 'udp6' : 'udp4', ...(target.host === '::' ? { ipv6Only: target.ipv6Only } : {}) });
    } catch (error) {
      reject(isResourceError(error) ? exhaustedError(port, error) : error);
      return;
    }
    socket.unref();
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.close();
      if (isResourceError(error)) reject(exhaustedError(port, error));
      else resolve(ABSENT.has(error.code ?? '') ? 'unavailable' : 'in_use');
    });
    socket.bind({ port, address: target.host, exclusive: true }, () => {
      socket.close();
      resolve('free');
    });
  });
}

type Bind = (port: number, target: BindTarget) => Promise<BindOutcome>;

/** The port a kernel picks for `target`, or null when the family is absent. */
function anyPort(bind: 'tcp' | 'udp', target: BindTarget): Promise<number | null> {
  return new Promise((resolve) => {
    if (bind === 'tcp') {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen({ port: 0, host: target.host, ...(target.host === '::' ? { ipv6Only: target.ipv6Only } : {}) }, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : null));
      });
    } else {
      const socket = createSocket({ type: target.host === '::' ? 'udp6' : 'udp4', ...(target.host === '::' ? { ipv6Only: target.ipv6Only } : {}) });
      socket.once('error', () => {
        socket.close();
        resolve(null);
      });
      socket.bind({ port: 0, address: target.host }, () => {
        const { port } = socket.address();
        socket.close(() => resolve(port));
      });
    }
  });
}

/**
 * Whether `[::]` takes IPv4 too: hold `[::]:P` and try `0.0.0.0:P`. Held sockets are kept open
 * across the second bind, so the answer is about the host, not a race.
 */
async function dualStack(kind: 'tcp' | 'udp'): Promise<boolean> {
  const dual: BindTarget = { host: '::', ipv6Only: false };
  return new Promise((resolve) => {
    if (kind === 'tcp') {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ port: 0, host: '::', ipv6Only: false }, () => {
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        // Out of descriptors for the second socket: no answer, so not dual-stack (the plan then binds each family).
        void tcpBind(port, { host: '0.0.0.0', ipv6Only: false })
          .catch(() => 'unavailable' as const)
          .then((outcome) => server.close(() => resolve(outcome === 'in_use')));
      });
    } else {
      const socket = createSocket({ type: 'udp6', ipv6Only: false });
      socket.once('error', () => {
        socket.close();
        resolve(false);
      });
      socket.bind({ port: 0, address: dual.host }, () => {
        const { port } = socket.address();
        void udpBind(port, { host: '0.0.0.0', ipv6Only: false })
          .catch(() => 'unavailable' as const)
          .then((outcome) => socket.close(() => resolve(outcome === 'in_use')));
      });
    }
  });
}

async function planFor(kind: 'tcp' | 'udp'): Promise<BindTarget[]> {
  if (await dualStack(kind)) return [{ host: '::', ipv6Only: false }];
  const targets: BindTarget[] = [];
  if ((await anyPort(kind, { host: '0.0.0.0', ipv6Only: false })) !== null) targets.push({ host: '0.0.0.0', ipv6Only: false });
  if ((await anyPort(kind, { host: '::', ipv6Only: true })) !== null) targets.push({ host: '::', ipv6Only: true });
  return targets;
}

/** Which binds a free port must pass on this host (worked out once, at start). */
export async function detectBindPlan(): Promise<BindPlan> {
  return { tcp: await planFor('tcp'), udp: await planFor('udp') };
}

export function describeBindPlan(plan: BindPlan): string[] {
  const name = (kind: string, target: BindTarget) => `${kind} ${target.host === '::' ? (target.ipv6Only ? '[::] (IPv6 only)' : '[::] (dual-stack)') : target.host}`;
  return [...plan.tcp.map((target) => name('tcp', target)), ...plan.udp.map((target) => name('udp', target))];
}

export interface PortProbe {
  /** True when nothing on the host holds the port, for TCP or UDP. Throws E_LIMIT when the test could not be made. */
  isFree(port: number): Promise<boolean>;
}

async function allFree(bind: Bind, port: number, targets: readonly BindTarget[]): Promise<boolean> {
  for (const target of targets) if ((await bind(port, target)) === 'in_use') return false;
  return true;
}

export function createBindProbe(plan: BindPlan): PortProbe {
  return {
    async isFree(port: number): Promise<boolean> {
      const [tcp, udp] = await Promise.all([allFree(tcpBind, port, plan.tcp), allFree(udpBind, port, plan.udp)]);
      return tcp && udp;
    },
  };
}
