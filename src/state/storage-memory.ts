/**
 * The durable state in memory: for the in-process test double (portkeeper/testing) and for unit
 * tests, which can make the next snapshot write or journal append fail.
 */
import type { JournalFile, SegmentName, StateStorage } from './storage.js';
import { SEGMENTS } from './storage.js';

export interface MemoryStorage extends StateStorage {
  readonly files: Map<string, string>;
  /** Make the next operation of this kind fail with `error`. */
  failNext(kind: 'append' | 'snapshot' | 'truncate' | 'rotate', error: Error): void;
  readonly counts: { appends: number; snapshots: number };
}

export function createMemoryStorage(initial: Record<string, string> = {}): MemoryStorage {
  const files = new Map<string, string>(Object.entries(initial));
  const failures = new Map<string, Error>();
  const counts = { appends: 0, snapshots: 0 };

  const maybeFail = (kind: string): void => {
    const error = failures.get(kind);
    if (error) {
      failures.delete(kind);
      throw error;
    }
  };

  /** Appends go to whatever file holds this segment now (a rotation renames it, like a real fd). */
  const segment = (id: { name: string }): JournalFile => ({
    async append(text) {
      await Promise.resolve();
      maybeFail('append');
      files.set(id.name, (files.get(id.name) ?? '') + text);
      counts.appends++;
    },
    async truncate() {
      await Promise.resolve();
      maybeFail('truncate');
      files.set(id.name, '');
    },
    async close() {},
  });
  const handles = new Map<string, { name: string }>();
  const open = (name: SegmentName): JournalFile => {
    const id = { name };
    handles.set(name, id);
    if (!files.has(name)) files.set(name, '');
    return segment(id);
  };

  return {
    files,
    counts,
    source: 'memory:state.json',
    failNext(kind, error) {
      failures.set(kind, error);
    },
    async readSnapshot() {
      return files.get('state.json') ?? null;
    },
    async writeSnapshot(text) {
      await Promise.resolve();
      maybeFail('snapshot');
      files.set('state.json', text);
      counts.snapshots++;
    },
    async readBackup() {
      return files.get('state.json.bak') ?? null;
    },
    async setAsideSnapshot(stamp) {
      const target = `state.json.corrupt-${stamp}`;
      files.set(target, files.get('state.json') ?? '');
      files.delete('state.json');
      return target;
    },
    async readSegments() {
      return SEGMENTS.filter((name) => files.has(name)).map((name) => ({ name, text: files.get(name) ?? '' }));
    },
    openJournal: async () => open('state.journal'),
    async prepareNext() {
      files.delete('state.journal.next');
      return open('state.journal.next');
    },
    rotate() {
      maybeFail('rotate');
      files.set('state.journal.old', files.get('state.journal') ?? '');
      files.set('state.journal', files.get('state.journal.next') ?? '');
      files.delete('state.journal.next');
      const current = handles.get('state.journal');
      const next = handles.get('state.journal.next');
      if (current) current.name = 'state.journal.old';
      if (next) next.name = 'state.journal';
      handles.delete('state.journal.next');
      if (current) handles.set('state.journal.old', current);
      if (next) handles.set('state.journal', next);
    },
    exists: (name) => files.has(name),
    async remove(name) {
      files.delete(name);
      handles.delete(name);
    },
    async setAside(name, stamp) {
      const target = `${name}.corrupt-${stamp}`;
      files.set(target, files.get(name) ?? '');
      files.delete(name);
      return target;
    },
  };
}
