import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseListenTable, parseSocketTable, readSocketTable } from './socket-table.js';

const SAMPLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0BB9 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 12346 1 0000000000000000 20 4 30 10 -1
   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12347 1 0000000000000000 100 0 0 10 0
`;

describe('parseListenTable', () => {
  it('keeps only LISTEN sockets, with port and inode', () => {
    expect(parseListenTable(SAMPLE)).toEqual([
      { port: 3000, inode: 12345, protocol: 'tcp' },
      { port: 8080, inode: 12347, protocol: 'tcp' },
    ]);
  });

  it('parses tcp6 addresses', () => {
    const line = '  sl local rem st\n   0: 00000000000000000000000001000000:1771 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  0 0 999 1\n';
    expect(parseListenTable(line)).toEqual([{ port: 6001, inode: 999, protocol: 'tcp' }]);
  });

  it('finds a real listener in /proc/net', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    try {
      expect(readSocketTable()?.ports.has(port)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('keeps every bound UDP socket, whatever its state', () => {
    const udp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 5555 2 0000000000000000 0
  101: 0100007F:D431 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 5556 2 0000000000000000 0
`;
    expect(parseSocketTable(udp, 'udp')).toEqual([
      { port: 5353, inode: 5555, protocol: 'udp' },
      { port: 54321, inode: 5556, protocol: 'udp' },
    ]);
  });

  it('finds a real bound UDP socket in /proc/net', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const port = socket.address().port;
    try {
      const table = readSocketTable();
      expect(table?.ports.has(port)).toBe(true);
      expect(table?.entries.find((entry) => entry.port === port)?.protocol).toBe('udp');
    } finally {
      socket.close();
    }
  });

  it('skips a table that is not there, and returns null when no TCP table is', () => {
    expect(readSocketTable([{ file: '/nonexistent/tcp', protocol: 'tcp' }])).toBeNull();
    expect(readSocketTable([{ file: '/proc/net/tcp', protocol: 'tcp' }, { file: '/nonexistent/udp6', protocol: 'udp' }])).not.toBeNull();
  });

  it('throws any other read error: a table that could not be read says nothing about the ports', () => {
    // A folder instead of the file: EISDIR, like EMFILE or EIO, is not "absent".
    expect(() => readSocketTable([{ file: '/proc/net', protocol: 'tcp' }])).toThrow(/EISDIR/);
  });
});
