import { describe, expect, it } from 'vitest';
import { PortsError } from '../errors.js';
import { newHealth, type Allocation } from '../protocol/allocation.js';
import { createMemoryFile } from './atomic-file.js';
import { openStateStore } from './store.js';

const clock = { now: () => Date.parse('2026-01-01T00:00:00Z'), monotonic: () => 0 };

function allocation(port: number, service: string | null = null): Allocation {
  return {
    port, service, type: 'dev', pid: null, pidStartTime: null, owner: null, cwd: null, command: null,
    createdAt: '2026-01-01T00:00:00.000Z', expiresAt: null, ttlMs: null, listenCheck: true, healthUrl: null, health: newHealth(),
  };
}

describe('openStateStore', () => {
  it('starts empty without a file and writes state that reads back', async () => {
    const file = createMemoryFile();
    const store = await openStateStore({ file, source: 'mem', clock });
    store.add(allocation(3000, 'web'));
    await store.commit();
    const again = await openStateStore({ file, source: 'mem', clock });
    expect([...again.allocations.keys()]).toEqual([3000]);
    expect(again.sticky.get('web')).toBe(3000);
  });

  it('lets concurrent commits share writes (group commit)', async () => {
    const file = createMemoryFile();
    const store = await openStateStore({ file, source: 'mem', clock });
    const commits: Promise<void>[] = [];
    for (let port = 3000; port < 3100; port++) {
      store.add(allocation(port));
      commits.push(store.commit());
    }
    await Promise.all(commits);
    // The first write starts at once; the other 99 mutations wait for the next one.
    expect(file.writes).toBe(2);
    expect(JSON.parse(file.content ?? '').allocations).toHaveLength(100);
  });

  it('rolls memory back and rejects every waiting commit when a write fails', async () => {
    const file = createMemoryFile();
    const store = await openStateStore({ file, source: 'mem', clock });
    store.add(allocation(3000));
    await store.commit();
    file.failNext(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    store.add(allocation(3001));
    const failed = store.commit();
    store.add(allocation(3002));
    const alsoFailed = store.commit();
    await expect(failed).rejects.toMatchObject({ code: 'E_STATE', message: expect.stringMatching(/no space left.*the change was not made/) });
    await expect(alsoFailed).rejects.toBeInstanceOf(PortsError);
    expect([...store.allocations.keys()]).toEqual([3000]);
    // The store keeps working after the failure.
    store.add(allocation(3003));
    await store.commit();
    expect(JSON.parse(file.content ?? '').allocations.map((a: Allocation) => a.port)).toEqual([3000, 3003]);
  });

  it.each([
    ['not JSON', '{"schemaVersion":1,', /is not valid JSON/],
    ['a future schemaVersion', '{"schemaVersion":99}', /schemaVersion 99, newer than this portkeeper understands/],
    ['a wrong shape', '{"schemaVersion":1,"writtenAt":"2026-01-01T00:00:00Z","allocations":[{"port":0}],"sticky":{}}', /allocations\.0/],
    [
      'a port allocated twice',
      JSON.stringify({ schemaVersion: 1, writtenAt: '2026-01-01T00:00:00Z', allocations: [allocation(3000), allocation(3000)], sticky: {} }),
      /port 3000 is allocated twice/,
    ],
  ])('refuses a state file that is %s', async (_what, text, message) => {
    await expect(openStateStore({ file: createMemoryFile(text), source: 'state.json', clock })).rejects.toMatchObject({ code: 'E_STATE', message: expect.stringMatching(message) });
  });
});
