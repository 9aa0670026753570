/**
 * The audit trail: every event as a JSON line in audit.log (0600, rotated by size) and on an
 * in-process bus that `ports events --follow` subscribers listen to. A recent window is kept in
 * memory for `ports events` without --follow.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { Allocation } from '../protocol/allocation.js';
import type { AuditAllocation, AuditEvent } from '../protocol/events.js';
import type { Clock } from '../shared/clock.js';
import { openAppendFile } from './own-files.js';

export type AuditInput = Omit<AuditEvent, 'seq' | 'time'>;

export interface AuditTrail {
  record(event: AuditInput): AuditEvent;
  recent(limit: number): AuditEvent[];
  subscribe(listener: (event: AuditEvent) => void): () => void;
  close(): Promise<void>;
}

export function auditAllocation(allocation: Allocation): AuditAllocation {
  return { port: allocation.port, service: allocation.service, pid: allocation.pid, owner: allocation.owner };
}

export interface AuditFileOptions {
  path: string;
  maxBytes: number;
  /** Rotated files kept: audit.log.1 … audit.log.N. */
  keepFiles: number;
  /** Told once when the file stops being written (a full disk, say): the daemon logs it. */
  onError?(error: Error): void;
}

// A rotation's new file: whatever appeared at the name since the rename is removed (a link
// itself, never its target) and O_EXCL | O_NOFOLLOW refuse anything planted after that.
const FRESH_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Is there anything at this name (a dangling link included)? */
const present = (path: string): boolean => lstatSync(path, { throwIfNoEntry: false }) !== undefined;

/**
 * Append-only JSON lines with size rotation. Lines written in one tick go out in one write at the
 * end of it; rotation happens between writes, synchronously, so no line lands in the wrong file.
 *
 * The file is opened at once, never through a symlink (E_PATH names the path): the daemon
 * refuses to start rather than run without its audit trail. Rotation renames names (a link is
 * moved as a link, never followed) and creates the new audit.log fresh.
 */
export function createAuditFile(options: AuditFileOptions): { write(line: string): void; close(): Promise<void> } {
  let fd: number | null = openAppendFile(options.path);
  let size = fstatSync(fd).size;
  let queued: string[] = [];
  let scheduled = false;
  let broken = false;

  const rotate = (): void => {
    if (fd !== null) closeSync(fd);
    fd = null;
    if (options.keepFiles > 0) {
      for (let n = options.keepFiles - 1; n >= 1; n--) {
        if (present(`${options.path}.${n}`)) renameSync(`${options.path}.${n}`, `${options.path}.${n + 1}`);
      }
      if (present(options.path)) renameSync(options.path, `${options.path}.1`);
    }
    rmSync(options.path, { force: true });
    fd = openSync(options.path, FRESH_FLAGS, 0o600);
    size = 0;
  };
  const flush = (): void => {
    scheduled = false;
    const lines = queued;
    queued = [];
    // Closed: the daemon has stopped, nothing is recorded after daemon.stopped.
    if (broken || lines.length === 0 || fd === null) return;
    try {
      let chunk = '';
      let chunkBytes = 0;
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        // A line that would push a non-empty file past max_bytes starts a new file.
        if (size + chunkBytes > 0 && size + chunkBytes + bytes > options.maxBytes) {
          if (chunk) writeSync(fd, chunk);
          chunk = '';
          chunkBytes = 0;
          rotate();
        }
        chunk += line;
        chunkBytes += bytes;
      }
      if (chunk) {
        writeSync(fd, chunk);
        size += chunkBytes;
      }
    } catch (error) {
      // An unwritable audit log must not take the daemon down; the bus still carries events.
      broken = true;
      options.onError?.(error as Error);
    }
  };
  return {
    write(line: string) {
      queued.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    async close() {
      flush();
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

export function createAuditTrail(options: { file: { write(line: string): void; close(): Promise<void> } | null; clock: Clock; keepRecent?: number }): AuditTrail {
  const keep = Math.max(1, options.keepRecent ?? 1000);
  // The last `keep` events, oldest overwritten first: a ring, so recording stays O(1).
  const ring: AuditEvent[] = [];
  const listeners = new Set<(event: AuditEvent) => void>();
  let seq = 0;
  return {
    record(input) {
      const event: AuditEvent = { seq: ++seq, time: new Date(options.clock.now()).toISOString(), ...input };
      options.file?.write(`${JSON.stringify(event)}\n`);
      ring[(seq - 1) % keep] = event;
      for (const listener of listeners) listener(event);
      return event;
    },
    recent(limit) {
      const count = Math.min(limit, ring.length);
      const events: AuditEvent[] = [];
      for (let n = seq - count + 1; n <= seq; n++) events.push(ring[(n - 1) % keep] as AuditEvent);
      return events;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      await options.file?.close();
    },
  };
}
