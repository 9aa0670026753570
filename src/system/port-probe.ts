import { createServer } from 'node:net';

/**
 * The bind test used when handing out a port (never on a live allocation's port: a test bind
 * can make a starting server fail). A port is free when it can be bound on every local address
 * family present: 0.0.0.0, ::, 127.0.0.1 and ::1, one after another (binding them at once
 * would collide with ourselves).
 */
export type BindHost = '0.0.0.0' | '::' | '127.0.0.1' | '::1';

export type BindOutcome = 'free' | 'in_use' | 'unavailable';

function tryBind(port: number, host: BindHost): Promise<BindOutcome> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      // EADDRNOTAVAIL / EAFNOSUPPORT: this family is absent here, which says nothing about the port.
      if (error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT') resolve('unavailable');
      else resolve('in_use');
    });
    server.listen({ port, host, exclusive: true, ipv6Only: host === '::' ? false : undefined }, () => {
      server.close(() => resolve('free'));
    });
  });
}

/** Which of the four hosts exist on this machine (checked once, with port 0). */
export async function detectBindHosts(): Promise<BindHost[]> {
  const hosts: BindHost[] = ['0.0.0.0', '::', '127.0.0.1', '::1'];
  const present: BindHost[] = [];
  for (const host of hosts) {
    if ((await tryBind(0, host)) === 'free') present.push(host);
  }
  return present;
}

export interface PortProbe {
  /** True when nothing on the host holds the port. */
  isFree(port: number): Promise<boolean>;
}

export function createBindProbe(hosts: readonly BindHost[]): PortProbe {
  return {
    async isFree(port: number): Promise<boolean> {
      for (const host of hosts) {
        if ((await tryBind(port, host)) === 'in_use') return false;
      }
      return true;
    },
  };
}
