/**
 * The files of the durable state, behind one interface so the store can be driven over a real
 * folder (storage-fs.ts), in memory (the test double), or with injected failures (tests).
 *
 * - the snapshot `state.json`, replaced whole and atomically;
 * - journal segments: `state.journal` (appended to), `state.journal.old` (the segment before it,
 *   until a snapshot covers it) and `state.journal.next` (made ahead of time, empty, so switching
 *   segments costs two renames and no folder sync on the request path).
 */
export const SEGMENTS = ['state.journal.old', 'state.journal', 'state.journal.next'] as const;

export type SegmentName = (typeof SEGMENTS)[number];

export interface JournalFile {
  /** Append and make durable before resolving (one write on a file opened O_DSYNC). */
  append(text: string): Promise<void>;
  /** Empty the file, durably. */
  truncate(): Promise<void>;
  close(): Promise<void>;
}

export interface StateStorage {
  /** The snapshot's path, for messages. */
  readonly source: string;
  /** The snapshot's text, or null when there is none (never followed through a symlink). */
  readSnapshot(): Promise<string | null>;
  /** Replace the snapshot durably: temp file, fsync, rename, fsync of the folder. */
  writeSnapshot(text: string): Promise<void>;
  /** The last good copy of the snapshot (`state.json.bak`), or null; never throws. */
  readBackup(): Promise<string | null>;
  /** Keep an unusable snapshot aside as `state.json.corrupt-<stamp>` (a symlink itself, never its target); returns the new path. */
  setAsideSnapshot(stamp: string): Promise<string>;
  /** The text of each segment that exists, in SEGMENTS order. */
  readSegments(): Promise<Array<{ name: SegmentName; text: string }>>;
  /** Open `state.journal` for appending, creating it (durably) when absent. */
  openJournal(): Promise<JournalFile>;
  /** Create an empty `state.journal.next`, durably, and open it for appending. */
  prepareNext(): Promise<JournalFile>;
  /** `state.journal` → `state.journal.old`, `state.journal.next` → `state.journal`. Synchronous: it runs between two appends. */
  rotate(): void;
  exists(name: SegmentName): boolean;
  remove(name: SegmentName): Promise<void>;
  /** Keep a damaged segment aside as `<name>.corrupt-<stamp>`; returns the new path. */
  setAside(name: SegmentName, stamp: string): Promise<string>;
}
