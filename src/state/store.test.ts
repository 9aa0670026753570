import { describe, expect, it } from 'vitest';
import { allocation } from '../../test/helpers/allocation.js';
import { memoryStore } from '../../test/helpers/store.js';
import { PortsError } from '../errors.js';
import { systemClock } from '../shared/clock.js';
import { loadState } from './load.js';
import { createMemoryStorage, type MemoryStorage } from './storage-memory.js';

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });

/** What a restart would load from these files (read only). */
async function reload(storage: MemoryStorage) {
  const copy = createMemoryStorage(Object.fromEntries(storage.files));
  const loaded = await loadState(copy, { clock: systemClock, stickyMax: 10_000, readOnly: true });
  return { ports: [...loaded.table.allocations.keys()].sort((a, b) => a - b), loaded };
}

describe('the state store', () => {
  it('makes a change durable with one journal append, not a snapshot', async () => {
    const { store, storage } = await memoryStore();
    const snapshots = storage.counts.snapshots;
    store.add(allocation(3000, { service: 'web' }));
    await store.commit();
    expect(storage.counts.appends).toBe(1);
    expect(storage.counts.snapshots).toBe(snapshots);
    expect((await reload(storage)).ports).toEqual([3000]);
    expect((await reload(storage)).loaded.table.sticky.get('web')).toBe(3000);
  });

  it('lets concurrent commits share appends (group commit)', async () => {
    const { store, storage } = await memoryStore();
    const commits: Promise<void>[] = [];
    for (let port = 3000; port < 3100; port++) {
      store.add(allocation(port));
      commits.push(store.commit());
    }
    await Promise.all(commits);
    // The first append starts at once; the other 99 mutations wait for the next one.
    expect(storage.counts.appends).toBe(2);
    expect((await reload(storage)).ports).toHaveLength(100);
  });

  it('rolls memory back, refuses every waiting commit when an append fails, and recovers with a snapshot', async () => {
    const { store, storage } = await memoryStore();
    store.add(allocation(3000));
    await store.commit();
    storage.failNext('append', enospc());
    store.add(allocation(3001));
    store.remove(3000);
    const failed = store.commit();
    store.add(allocation(3002));
    const alsoFailed = store.commit();
    await expect(failed).rejects.toMatchObject({ code: 'E_STATE', message: expect.stringMatching(/no space left.*the change was not made/) });
    await expect(alsoFailed).rejects.toBeInstanceOf(PortsError);
    expect([...store.allocations.keys()]).toEqual([3000]);
    expect(store.summary().total).toBe(1);

    // The next change is made durable by a whole snapshot, and the journal starts empty.
    const snapshots = storage.counts.snapshots;
    store.add(allocation(3003));
    await store.commit();
    expect(storage.counts.snapshots).toBe(snapshots + 1);
    expect(storage.files.get('state.journal')).toBe('');
    expect((await reload(storage)).ports).toEqual([3000, 3003]);
    // …and after that, appends again.
    store.remove(3003);
    await store.commit();
    expect((await reload(storage)).ports).toEqual([3000]);
  });

  it('acknowledges nothing while the snapshot after a failure cannot be written either', async () => {
    const { store, storage } = await memoryStore();
    storage.failNext('append', Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    store.add(allocation(3000));
    await expect(store.commit()).rejects.toMatchObject({ code: 'E_STATE' });
    storage.failNext('snapshot', enospc());
    store.add(allocation(3001));
    await expect(store.commit()).rejects.toMatchObject({ code: 'E_STATE' });
    expect(store.allocations.size).toBe(0);
    store.add(allocation(3002));
    await store.commit();
    expect((await reload(storage)).ports).toEqual([3002]);
  });

  it('compacts past the record threshold: a new snapshot, a new segment, nothing lost', async () => {
    const { store, storage } = await memoryStore({ compaction: { maxRecords: 5 } });
    for (let port = 3000; port < 3020; port++) {
      store.add(allocation(port));
      await store.commit();
    }
    await store.flush();
    await store.compact();
    expect(store.stats.compactions).toBeGreaterThan(0);
    expect(storage.files.has('state.journal.old')).toBe(false);
    const snapshot = JSON.parse(storage.files.get('state.json') ?? '{}') as { journalSeq: number; allocations: unknown[] };
    expect(snapshot.journalSeq).toBe(store.stats.lastSeq);
    expect(snapshot.allocations).toHaveLength(20);
    expect((await reload(storage)).ports).toHaveLength(20);
  });

  it('loses nothing when the process dies at any step of a compaction', async () => {
    const storage = createMemoryStorage();
    // Freeze the snapshot write of the compaction to look at the files "at the crash".
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writeSnapshot = storage.writeSnapshot.bind(storage);
    let hold = false;
    storage.writeSnapshot = async (text) => {
      if (hold) await gate;
      return writeSnapshot(text);
    };
    const { store } = await memoryStore({ storage, compaction: { maxRecords: 3 } });
    for (let port = 3000; port < 3003; port++) {
      store.add(allocation(port));
      await store.commit();
    }
    hold = true;
    store.add(allocation(3003)); // crosses the threshold: rotation, then the frozen snapshot
    await store.commit();
    store.remove(3000); // lands in the new segment while the snapshot is pending
    await store.commit();
    expect(storage.files.has('state.journal.old')).toBe(true);
    expect((await reload(storage)).ports).toEqual([3001, 3002, 3003]);
    release();
    await store.compact();
    expect((await reload(storage)).ports).toEqual([3001, 3002, 3003]);
    expect(storage.files.has('state.journal.old')).toBe(false);
  });

  it('keeps serving when a compaction fails, and retries', async () => {
    const { store, storage } = await memoryStore({ compaction: { maxRecords: 2 } });
    storage.failNext('snapshot', enospc());
    for (let port = 3000; port < 3004; port++) {
      store.add(allocation(port));
      await store.commit();
    }
    await store.flush();
    expect(store.stats.failedCompactions).toBe(1);
    expect((await reload(storage)).ports).toEqual([3000, 3001, 3002, 3003]);
    await store.compact();
    expect((await reload(storage)).ports).toEqual([3000, 3001, 3002, 3003]);
  });

  it('starts a new journal from a snapshot when switching segments fails, losing nothing', async () => {
    const { store, storage } = await memoryStore({ compaction: { maxRecords: 2 } });
    storage.failNext('rotate', Object.assign(new Error('EACCES: permission denied, rename'), { code: 'EACCES' }));
    for (let port = 3000; port < 3003; port++) {
      store.add(allocation(port));
      await store.commit();
    }
    const snapshots = storage.counts.snapshots;
    store.add(allocation(3003));
    await store.commit();
    expect(storage.counts.snapshots).toBe(snapshots + 1);
    expect(storage.files.has('state.journal.old')).toBe(false);
    store.remove(3000);
    await store.commit();
    expect((await reload(storage)).ports).toEqual([3001, 3002, 3003]);
  });

  it('journals a health verdict only when it must survive a restart', async () => {
    const { store, storage } = await memoryStore();
    store.add(allocation(3000, { pid: 100 }));
    await store.commit();
    const appends = storage.counts.appends;
    store.setHealth(3000, { failures: 0, status: 'healthy', reason: null, lastCheckAt: '2026-01-01T00:00:01.000Z' }, false);
    await store.commit();
    expect(storage.counts.appends).toBe(appends);
    store.setHealth(3000, { failures: 2, status: 'unhealthy', reason: 'not_listening', lastCheckAt: null }, true);
    await store.commit();
    expect(storage.counts.appends).toBe(appends + 1);
    expect((await reload(storage)).loaded.table.allocations.get(3000)?.health).toMatchObject({ failures: 2, reason: 'not_listening' });
    expect([...store.failing]).toEqual([3000]);
  });

  it('keeps counts by type, owner and health as allocations come and go', async () => {
    const { store } = await memoryStore();
    store.add(allocation(3000, { owner: 'ci-1', pid: 100 }));
    store.add(allocation(3001, { owner: 'ci-1', type: 'api' }));
    store.add(allocation(3002));
    await store.commit();
    store.remove(3002);
    await store.commit();
    expect(store.summary()).toEqual({ total: 2, tracked: 1, byType: { dev: 1, api: 1 }, byOwner: { 'ci-1': 2 }, byHealth: { unchecked: 2 } });
    expect(store.ownerCount('ci-1')).toBe(2);
  });

  it('remembers at most sticky_max_entries sticky ports, forgetting the least recently used', async () => {
    const { store, storage } = await memoryStore({ stickyMax: 2 });
    for (const [port, service] of [[3000, 'a'], [3001, 'b'], [3002, 'c']] as const) {
      store.add(allocation(port, { service }));
      await store.commit();
      store.remove(port);
      await store.commit();
    }
    expect([...store.sticky]).toEqual([['b', 3001], ['c', 3002]]);
    await store.close();
    expect(JSON.parse(storage.files.get('state.json') ?? '{}').sticky).toEqual({ b: 3001, c: 3002 });
  });

  it('leaves one snapshot and an empty journal when closed', async () => {
    const { store, storage } = await memoryStore();
    store.add(allocation(3000));
    await store.commit();
    await store.close();
    await store.close();
    expect(storage.files.get('state.journal')).toBe('');
    expect(JSON.parse(storage.files.get('state.json') ?? '{}').allocations).toEqual([{ port: 3000, type: 'dev', createdAt: '2026-01-01T00:00:00.000Z' }]);
  });
});
