/**
 * The allocations in memory, made durable by a journal with group commit. A mutation changes
 * memory at once; `commit()` resolves once a journal record holding it is on disk. While one
 * append is in flight, later mutations gather into the next record, so N concurrent clients share
 * one sync, and the cost of a change does not depend on how many allocations are held.
 *
 * If an append fails, memory goes back to the last durable state (each batch keeps an undo list)
 * and every waiting commit is refused: nothing unwritten is ever acknowledged. The journal is then
 * suspect (a failed fdatasync says nothing reliable about what reached the disk), so the next
 * batch is made durable by a whole snapshot instead, after which the journal starts empty.
 *
 * Compaction folds the journal into a new snapshot off the request path: at a batch boundary the
 * store takes an immutable copy of the allocations (objects are never changed in place), switches
 * appends to a fresh segment, and writes the snapshot in the background. A crash at any point of
 * it loses nothing: start-up replays every segment after the snapshot's seq.
 */
import { PortsError } from '../errors.js';
import type { Allocation, AllocationHealth } from '../protocol/allocation.js';
import type { Clock } from '../shared/clock.js';
import type { AllocationTable } from './allocation-table.js';
import type { StatusSummary } from '../protocol/results.js';
import { encodeRecord } from './journal-format.js';
import { toStored } from './records.js';
import type { JournalOp } from './schema.js';
import { renderSnapshot, type SnapshotContent } from './snapshot.js';
import { SEGMENTS, type JournalFile, type StateStorage } from './storage.js';

export interface CompactionSettings {
  /** Compact once the journal holds this many bytes… */
  maxBytes: number;
  /** …or this many records… */
  maxRecords: number;
  /** …or once no change has come for this long (and the journal is not empty). */
  idleMs: number;
}

export interface StoreLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface StoreStats {
  /** Journal appends (and snapshots standing in for one) that made batches durable. */
  writes: number;
  failedWrites: number;
  compactions: number;
  failedCompactions: number;
  journalBytes: number;
  journalRecords: number;
  lastSeq: number;
  snapshotSeq: number;
}

export interface StateStore {
  readonly allocations: ReadonlyMap<number, Allocation>;
  readonly sticky: ReadonlyMap<string, number>;
  /** Ports whose allocation is failing its health checks. */
  readonly failing: ReadonlySet<number>;
  servicePorts(service: string): ReadonlySet<number> | undefined;
  ownerCount(owner: string): number;
  summary(): StatusSummary;
  add(allocation: Allocation): void;
  /** A new version of the allocation on the same port (transfer, renew). */
  replace(allocation: Allocation): void;
  remove(port: number): Allocation | undefined;
  /**
   * The HealthMonitor's verdict. `durable`: the failure count or reason changed and must survive
   * a restart (a journal record); otherwise it only changes memory (status, lastCheckAt).
   */
  setHealth(port: number, health: AllocationHealth, durable: boolean): Allocation | undefined;
  /** Resolves once every mutation made so far is durable. */
  commit(): Promise<void>;
  /** Resolves once writes already started or queued are on disk (at once when none are); never starts one. */
  whenDurable(): Promise<void>;
  /** Waits for in-flight writes, a compaction in progress included. */
  flush(): Promise<void>;
  /** Fold the journal into a snapshot now (tests, `close`); resolves when it is on disk. */
  compact(): Promise<void>;
  /** Flush, write a final snapshot, empty the journal, stop the idle timer. Idempotent. */
  close(): Promise<void>;
  readonly stats: Readonly<StoreStats>;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody awaits must not become an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

interface Batch {
  ops: JournalOp[];
  undo: Array<() => void>;
  done: Deferred;
}

type Capture = SnapshotContent;

/** After a failed compaction, wait this long before the next try. */
const COMPACTION_RETRY_MS = 30_000;

export interface StoreDeps {
  storage: StateStorage;
  table: AllocationTable;
  lastSeq: number;
  journal: JournalFile;
  clock: Clock;
  log: StoreLog;
  compaction: CompactionSettings;
}

export function createStateStore(deps: StoreDeps): StateStore {
  const { storage, table, clock, log, compaction } = deps;
  let journal = deps.journal;
  let next: JournalFile | null = null;
  let pending: Batch | null = null;
  let inflight: Batch | null = null;
  let writing: Promise<void> | null = null;
  let needsReset = false;
  let compacting: Promise<void> | null = null;
  let snapshotChain: Promise<void> = Promise.resolve();
  let retryAt = 0;
  let lastChangeAt = clock.monotonic();
  let closed: Promise<void> | null = null;
  const stats: StoreStats = {
    writes: 0,
    failedWrites: 0,
    compactions: 0,
    failedCompactions: 0,
    journalBytes: 0,
    journalRecords: 0,
    lastSeq: deps.lastSeq,
    snapshotSeq: deps.lastSeq,
  };

  const batch = (): Batch => (pending ??= { ops: [], undo: [], done: deferred() });

  const put = (allocation: Allocation): void => {
    const b = batch();
    const previous = table.put(allocation);
    b.undo.push(previous ? () => table.put(previous) : () => table.delete(allocation.port));
    b.ops.push({ put: toStored(allocation) });
  };

  const undo = (b: Batch): void => {
    for (let i = b.undo.length - 1; i >= 0; i--) b.undo[i]?.();
  };

  /** Write snapshots one at a time and never replace a newer one with an older one. */
  function writeSnapshot(content: SnapshotContent): Promise<void> {
    const run = snapshotChain.then(async () => {
      if (content.journalSeq < stats.snapshotSeq) return;
      await storage.writeSnapshot(await renderSnapshot(content, clock.now()));
      stats.snapshotSeq = content.journalSeq;
    });
    snapshotChain = run.catch(() => undefined);
    return run;
  }

  /** The allocations exactly as of journal record `seq` (call only at a batch boundary). */
  const capture = (seq: number): Capture => ({ journalSeq: seq, allocations: [...table.allocations.values()], sticky: [...table.sticky] });

  const wantsCompaction = (): boolean =>
    compacting === null &&
    clock.monotonic() >= retryAt &&
    (stats.journalBytes >= compaction.maxBytes || stats.journalRecords >= compaction.maxRecords);

  /** Switch appends to the prepared segment when the previous one is gone (covered by a snapshot). */
  function rotate(): void {
    if (next === null || storage.exists('state.journal.old')) return;
    storage.rotate();
    const previous = journal;
    journal = next;
    next = null;
    stats.journalBytes = 0;
    stats.journalRecords = 0;
    void previous.close().catch(() => undefined);
  }

  /** Background part of a compaction: the snapshot, then the segments it covers, then a new spare segment. */
  function finishCompaction(content: Capture): void {
    compacting = (async () => {
      try {
        await writeSnapshot(content);
        // Everything in the previous segment is in the snapshot now. (Without a rotation the active
        // segment keeps its covered records; replay skips them and the next compaction rotates.)
        if (storage.exists('state.journal.old')) await storage.remove('state.journal.old');
        stats.compactions++;
        if (next === null) prepareSpare();
      } catch (error) {
        stats.failedCompactions++;
        retryAt = clock.monotonic() + COMPACTION_RETRY_MS;
        log.warn({ err: error }, `could not compact the state journal; retrying in ${COMPACTION_RETRY_MS / 1000} s (requests are not affected)`);
      } finally {
        compacting = null;
      }
    })();
  }

  /**
   * After a failed append (or a failed segment switch): this batch is made durable by a whole
   * snapshot; then every segment is removed and a new, empty journal opened, so nothing about
   * the old files (a torn line, a half-done rename) matters any more.
   */
  async function resetWith(content: Capture): Promise<void> {
    await writeSnapshot(content);
    try {
      await spare;
      const previous = [journal, next];
      next = null;
      for (const name of SEGMENTS) await storage.remove(name);
      journal = await storage.openJournal();
      for (const file of previous) void file?.close().catch(() => undefined);
      stats.journalBytes = 0;
      stats.journalRecords = 0;
      needsReset = false;
      prepareSpare();
    } catch (error) {
      // The batch is durable (in the snapshot); the next one tries again.
      log.warn({ err: error }, 'could not start a new state journal after a failed write; the next change writes a snapshot again');
    }
  }

  async function writeLoop(): Promise<void> {
    while (pending) {
      const b = pending;
      pending = null;
      inflight = b;
      const seq = ++stats.lastSeq;
      // Memory is exactly the state as of `seq` now: every mutation so far is in this batch.
      const resetting = needsReset;
      const content = resetting || wantsCompaction() ? capture(seq) : null;
      try {
        if (resetting && content) {
          await resetWith(content);
        } else {
          const line = encodeRecord({ seq, at: new Date(clock.now()).toISOString(), ops: b.ops });
          await journal.append(line);
          stats.journalBytes += Buffer.byteLength(line);
          stats.journalRecords++;
        }
      } catch (error) {
        stats.failedWrites++;
        needsReset = true;
        const failure = new PortsError(
          'E_STATE',
          `Could not write the state (${storage.source}): ${(error as Error).message}; the change was not made`,
          { path: storage.source, errno: (error as NodeJS.ErrnoException).code },
          { cause: error },
        );
        // Memory holds this batch and the one gathering behind it; neither is on disk.
        const later = pending as Batch | null;
        pending = null;
        if (later) undo(later);
        undo(b);
        later?.done.reject(failure);
        b.done.reject(failure);
        log.warn({ err: error, seq }, 'state journal write failed; the change was refused');
        continue;
      }
      stats.writes++;
      b.done.resolve();
      // Before the next append: the records up to `seq` stay in the segment being folded.
      if (content && !resetting) startCompaction(content);
    }
    inflight = null;
    writing = null;
  }

  /** Switch segments (when it can) and write the snapshot in the background; a failure here never touches requests. */
  function startCompaction(content: Capture): void {
    try {
      rotate();
    } catch (error) {
      // Which name the open segment has is no longer certain: the next change writes a snapshot
      // and starts a new journal instead (resetWith).
      needsReset = true;
      log.warn({ err: error }, 'could not switch journal segments; the next change writes a snapshot');
      return;
    }
    finishCompaction(content);
  }

  /** Compact now if nothing is being written (memory is then exactly the durable state). */
  function compactIfIdle(): Promise<void> | null {
    if (pending !== null || inflight !== null || compacting !== null || closed !== null) return null;
    if (stats.journalRecords === 0 && !storage.exists('state.journal.old')) return null;
    startCompaction(capture(stats.lastSeq));
    return compacting;
  }

  const idleTimer = setInterval(() => {
    if (clock.monotonic() - lastChangeAt >= compaction.idleMs && clock.monotonic() >= retryAt) void compactIfIdle();
  }, Math.max(50, Math.min(compaction.idleMs / 2, 5000)));
  idleTimer.unref();

  /** The spare segment for the next switch, made in the background. */
  let spare: Promise<void> | null = null;
  function prepareSpare(): void {
    spare ??= storage
      .prepareNext()
      .then((file) => {
        next = file;
      })
      .catch((error: unknown) => log.warn({ err: error }, 'could not prepare the next journal segment; compaction will retry'))
      .finally(() => {
        spare = null;
      });
  }
  prepareSpare();

  async function flush(): Promise<void> {
    while (writing || compacting) {
      await writing;
      await compacting;
    }
  }

  return {
    allocations: table.allocations,
    sticky: table.sticky,
    failing: table.failing,
    stats,
    servicePorts: (service) => table.servicePorts(service),
    ownerCount: (owner) => table.ownerCount(owner),
    summary: () => table.summary(),
    add: put,
    replace: put,
    remove(port) {
      const previous = table.delete(port);
      if (previous) {
        const b = batch();
        b.undo.push(() => table.put(previous));
        b.ops.push({ del: port });
      }
      return previous;
    },
    setHealth(port, health, durable) {
      const current = table.allocations.get(port);
      if (!current) return undefined;
      const updated = { ...current, health };
      if (!durable) {
        table.put(updated);
        return updated;
      }
      const b = batch();
      table.put(updated);
      b.undo.push(() => table.put(current));
      b.ops.push({ health: [port, health.failures, health.reason] });
      return updated;
    },
    commit() {
      if (pending === null) return inflight?.done.promise ?? Promise.resolve();
      lastChangeAt = clock.monotonic();
      const waiting = pending.done.promise;
      writing ??= writeLoop();
      return waiting;
    },
    whenDurable() {
      return (pending ?? inflight)?.done.promise ?? Promise.resolve();
    },
    flush,
    async compact() {
      await flush();
      await compacting;
      await spare;
      await compactIfIdle();
    },
    close() {
      closed ??= (async () => {
        clearInterval(idleTimer);
        await flush();
        await spare;
        // A final snapshot, so the next start reads one file and replays nothing.
        try {
          await writeSnapshot(capture(stats.lastSeq));
          for (const name of ['state.journal.old', 'state.journal.next'] as const) await storage.remove(name);
          await journal.truncate();
          stats.journalBytes = 0;
          stats.journalRecords = 0;
        } catch (error) {
          log.warn({ err: error }, 'could not write the final snapshot; the next start replays the journal');
        }
        await journal.close().catch(() => undefined);
        await next?.close().catch(() => undefined);
      })();
      return closed;
    },
  };
}
