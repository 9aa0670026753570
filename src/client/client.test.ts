import { describe, expect, it } from 'vitest';
import type { Reply } from '../protocol/results.js';
import { PortsClient } from './client.js';
import type { Transport } from './transport.js';

/** A transport whose daemon answers every request with `result`. */
function answering(result: unknown): Transport {
  return {
    request: async ({ id }): Promise<Reply> => ({ id, ok: true, result }),
    close: async () => undefined,
    destroy: () => undefined,
  };
}

const allocation = { port: 3000, service: 'web' };

describe('PortsClient.allocate', () => {
  it('passes adopted through', async () => {
    const client = new PortsClient(answering({ allocation, existing: false, adopted: true, sticky: false, warnings: [] }));
    expect(await client.allocate({ service: 'web', port: 3000, pid: process.pid })).toEqual({ allocation, existing: false, adopted: true, sticky: false, warnings: [] });
  });

  it('reports adopted: false from a daemon that predates adoption (and leaves the field out)', async () => {
    const client = new PortsClient(answering({ allocation, existing: false, sticky: true, warnings: [] }));
    expect(await client.allocate({ service: 'web', pid: process.pid })).toEqual({ allocation, existing: false, adopted: false, sticky: true, warnings: [] });
  });
});
