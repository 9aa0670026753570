import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseListenTable, readListenTable } from './listen-table.js';

const SAMPLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0BB9 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 12346 1 0000000000000000 20 4 30 10 -1
   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12347 1 0000000000000000 100 0 0 10 0
`;

describe('parseListenTable', () => {
  it('keeps only LISTEN sockets, with port and inode', () => {
    expect(parseListenTable(SAMPLE)).toEqual([
      { port: 3000, inode: 12345 },
      { port: 8080, inode: 12347 },
    ]);
  });

  it('parses tcp6 addresses', () => {
    const line = '  sl local rem st\n   0: 00000000000000000000000001000000:1771 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  0 0 999 1\n';
    expect(parseListenTable(line)).toEqual([{ port: 6001, inode: 999 }]);
  });

  it('finds a real listener in /proc/net', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    try {
      expect((await readListenTable())?.ports.has(port)).toBe(true);
    } finally {
      server.close();
    }
  });
});
