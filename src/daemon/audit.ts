import { createWriteStream, renameSync, statSync, type WriteStream } from 'node:fs';
import type { Allocation } from '../protocol/allocation.js';
import type { Clock } from '../shared/clock.js';

/**
 * The audit trail: every event as a JSON line in audit.log (0600, rotated by size) and on an
 * in-process bus that `ports events --follow` subscribers listen to. A recent window is kept in
 * memory for `ports events` without --follow.
 */
export type AuditEventType =
  | 'allocation.created'
  | 'allocation.released'
  | 'allocation.reclaimed'
  | 'health.unhealthy'
  | 'health.recovered'
  | 'daemon.started'
  | 'daemon.stopped'
  | 'state.recovered';

export interface AuditAllocation {
  port: number;
  service: string | null;
  pid: number | null;
  owner: string | null;
}

export interface AuditEvent {
  seq: number;
  time: string;
  type: AuditEventType;
  allocation?: AuditAllocation;
  reason?: string;
  failures?: number;
  details?: Record<string, unknown>;
}

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
}

/** Append-only JSON lines with size rotation. Renaming an open file is safe: pending writes land in the renamed one. */
export function createAuditFile(options: AuditFileOptions): { write(line: string): void; close(): Promise<void> } {
  let size = 0;
  try {
    size = statSync(options.path).size;
  } catch {
    size = 0;
  }
  const open = (): WriteStream => {
    const stream = createWriteStream(options.path, { flags: 'a', mode: 0o600 });
    stream.on('error', () => undefined);
    return stream;
  };
  let stream = open();
  const rotate = (): void => {
    stream.end();
    if (options.keepFiles === 0) {
      stream = createWriteStream(options.path, { flags: 'w', mode: 0o600 });
      stream.on('error', () => undefined);
      size = 0;
      return;
    }
    for (let n = options.keepFiles - 1; n >= 1; n--) {
      try {
        renameSync(`${options.path}.${n}`, `${options.path}.${n + 1}`);
      } catch {
        // That generation does not exist yet.
      }
    }
    try {
      renameSync(options.path, `${options.path}.1`);
    } catch {
      // Nothing to rotate.
    }
    stream = open();
    size = 0;
  };
  return {
    write(line: string) {
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > options.maxBytes) rotate();
      stream.write(line);
      size += bytes;
    },
    close() {
      return new Promise<void>((resolve) => stream.end(() => resolve()));
    },
  };
}

export function createAuditTrail(options: { file: { write(line: string): void; close(): Promise<void> } | null; clock: Clock; keepRecent?: number }): AuditTrail {
  const keep = options.keepRecent ?? 1000;
  const ring: AuditEvent[] = [];
  const listeners = new Set<(event: AuditEvent) => void>();
  let seq = 0;
  return {
    record(input) {
      const event: AuditEvent = { seq: ++seq, time: new Date(options.clock.now()).toISOString(), ...input };
      options.file?.write(`${JSON.stringify(event)}\n`);
      ring.push(event);
      if (ring.length > keep) ring.splice(0, ring.length - keep);
      for (const listener of listeners) listener(event);
      return event;
    },
    recent(limit) {
      return ring.slice(Math.max(0, ring.length - limit));
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
