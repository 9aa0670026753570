import type { Clock } from '../shared/clock.js';
import { loadState, type RecoveryReport } from './load.js';
import { renderSnapshot } from './snapshot.js';
import type { StateStorage } from './storage.js';
import { createStateStore, type CompactionSettings, type StateStore, type StoreLog } from './store.js';

export interface OpenStateStoreOptions {
  storage: StateStorage;
  clock: Clock;
  log: StoreLog;
  compaction: CompactionSettings;
  stickyMax: number;
}

export interface OpenedStore {
  store: StateStore;
  recovery: RecoveryReport | null;
  migratedFrom: number | null;
}

/**
 * Load (snapshot + journal), and when anything had to be replayed, migrated or recovered, start
 * clean: a snapshot of the state as loaded, the old segments removed, an empty journal.
 */
export async function openStateStore(options: OpenStateStoreOptions): Promise<OpenedStore> {
  const { storage, clock } = options;
  const loaded = await loadState(storage, { clock, stickyMax: options.stickyMax });
  if (loaded.needsSnapshot) {
    await storage.writeSnapshot(
      await renderSnapshot({ journalSeq: loaded.lastSeq, allocations: [...loaded.table.allocations.values()], sticky: [...loaded.table.sticky] }, clock.now()),
    );
  }
  // Empty, or covered by the snapshot just written.
  for (const name of ['state.journal.old', 'state.journal.next'] as const) await storage.remove(name);
  const journal = await storage.openJournal();
  if (loaded.needsSnapshot) await journal.truncate();
  const store = createStateStore({ storage, table: loaded.table, lastSeq: loaded.lastSeq, journal, clock, log: options.log, compaction: options.compaction });
  return { store, recovery: loaded.recovery, migratedFrom: loaded.migratedFrom };
}
