import type { Allocation } from '../../src/protocol/allocation.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';
import { loadState } from '../../src/state/load.js';
import { createFsStorage } from '../../src/state/storage-fs.js';
import { createMemoryStorage, type MemoryStorage } from '../../src/state/storage-memory.js';
import { openStateStore, type OpenedStore } from '../../src/state/open-store.js';
import type { CompactionSettings } from '../../src/state/store.js';

/** A store over in-memory files; `storage` lets a test read the files or make the next write fail. */
export async function memoryStore(
  options: { clock?: Clock; storage?: MemoryStorage; compaction?: Partial<CompactionSettings>; stickyMax?: number } = {},
): Promise<OpenedStore & { storage: MemoryStorage }> {
  const storage = options.storage ?? createMemoryStorage();
  const opened = await openStateStore({
    storage,
    clock: options.clock ?? systemClock,
    log: { info: () => undefined, warn: () => undefined },
    compaction: { maxBytes: 1 << 20, maxRecords: 10_000, idleMs: 3_600_000, ...options.compaction },
    stickyMax: options.stickyMax ?? 10_000,
  });
  return { ...opened, storage };
}

/** The allocations a daemon would start with from this state folder (read only: nothing is moved). */
export async function readStateFolder(stateDir: string): Promise<Allocation[]> {
  const loaded = await loadState(createFsStorage(stateDir), { clock: systemClock, stickyMax: 1_000_000, readOnly: true });
  return [...loaded.table.allocations.values()];
}
