import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createBindProbe, detectBindPlan } from './port-probe.js';

/** Hold a kernel-chosen port on `host` (TCP listen or UDP bind) until the test ends. */
async function holdTcp(host: string, ipv6Only?: boolean): Promise<number | null> {
  const server: Server = createServer();
  const port = await new Promise<number | null>((resolve) => {
    server.once('error', () => resolve(null));
    server.listen({ port: 0, host, ...(ipv6Only !== undefined ? { ipv6Only } : {}) }, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : null);
    });
  });
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return port;
}

async function holdUdp(host: string): Promise<number | null> {
  const socket: UdpSocket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', ipv6Only: host === '::1' });
  const port = await new Promise<number | null>((resolve) => {
    socket.once('error', () => resolve(null));
    socket.bind({ port: 0, address: host }, () => resolve(socket.address().port));
  });
  onTestFinished(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return port;
}

describe('the bind test', () => {
  it.for<[string, () => Promise<number | null>]>([
    ['TCP on 127.0.0.1', () => holdTcp('127.0.0.1')],
    ['TCP on ::1', () => holdTcp('::1')],
    ['TCP on 0.0.0.0', () => holdTcp('0.0.0.0')],
    ['TCP on :: (dual-stack)', () => holdTcp('::', false)],
    ['TCP on :: (IPv6 only)', () => holdTcp('::', true)],
    ['TCP on 127.0.0.2', () => holdTcp('127.0.0.2')],
    ['UDP on 127.0.0.1', () => holdUdp('127.0.0.1')],
    ['UDP on ::1', () => holdUdp('::1')],
    ['UDP on 0.0.0.0', () => holdUdp('0.0.0.0')],
  ])('sees a port held by %s as in use', async ([, hold], ctx) => {
    const port = await hold();
    if (port === null) return ctx.skip('that address family is absent on this host');
    const probe = createBindProbe(await detectBindPlan());
    expect(await probe.isFree(port)).toBe(false);
  });

  it('sees a port nobody holds as free, and leaves it free', async () => {
    // A port the kernel just handed out and that was closed again.
    const probe = createBindProbe(await detectBindPlan());
    const freed = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen({ port: 0, host: '127.0.0.1' }, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    expect(await probe.isFree(freed)).toBe(true);
    expect(await probe.isFree(freed)).toBe(true);
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen({ port: freed, host: '127.0.0.1' }, () => resolve());
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });
});
