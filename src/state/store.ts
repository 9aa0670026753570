import { PortsError } from '../errors.js';
import type { Allocation } from '../protocol/allocation.js';
import { formatIssues } from '../protocol/messages.js';
import type { Clock } from '../shared/clock.js';
import type { TextFile } from './atomic-file.js';
import { migrate } from './migrate.js';
import { emptyState, STATE_SCHEMA_VERSION, stateFileSchema, type StateFile } from './schema.js';

/**
 * The allocations in memory, made durable by group commit: mutations change memory at once,
 * `commit()` resolves when a write that contains them is on disk. While one write is in flight,
 * every later mutation waits for the next write, so N concurrent clients share one fsync.
 * If a write fails, memory goes back to the last state on disk and every waiting commit is
 * rejected: nothing unwritten is ever acknowledged.
 */
export interface StateStore {
  readonly allocations: ReadonlyMap<number, Allocation>;
  readonly sticky: ReadonlyMap<string, number>;
  add(allocation: Allocation): void;
  remove(port: number): Allocation | undefined;
  replace(allocation: Allocation): void;
  /** Resolves once every mutation made so far is durable. */
  commit(): Promise<void>;
  /** Resolves once writes already started or queued are on disk (at once when none are); never starts a write. */
  whenDurable(): Promise<void>;
  /** Waits for in-flight writes (for shutdown). */
  flush(): Promise<void>;
  readonly stats: { writes: number; failedWrites: number };
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

export function parseStateText(text: string, source: string): StateFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PortsError('E_STATE', `State file ${source} is not valid JSON: ${(error as Error).message}`, { path: source }, { cause: error });
  }
  const migrated = migrate(json);
  if (!migrated.ok) {
    throw new PortsError('E_STATE', `State file ${source}: ${migrated.reason}`, { path: source });
  }
  const parsed = stateFileSchema.safeParse(migrated.state);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error);
    throw new PortsError('E_STATE', `State file ${source} is invalid:\n  ${issues.slice(0, 10).join('\n  ')}`, { path: source, issues });
  }
  return parsed.data;
}

export interface OpenStateStoreOptions {
  file: TextFile;
  /** Start from this text instead of reading the file (after recovery; null: empty). */
  initialText?: string | null;
  /** Shown in messages. */
  source: string;
  clock: Clock;
}

export async function openStateStore(options: OpenStateStoreOptions): Promise<StateStore> {
  const { file, clock } = options;
  const text = options.initialText !== undefined ? options.initialText : await file.read();
  const initial = text === null ? emptyState(new Date(clock.now()).toISOString()) : parseStateText(text, options.source);

  const allocations = new Map<number, Allocation>();
  const sticky = new Map<string, number>();
  const load = (state: StateFile): void => {
    allocations.clear();
    sticky.clear();
    for (const allocation of state.allocations) allocations.set(allocation.port, allocation);
    for (const [service, port] of Object.entries(state.sticky)) sticky.set(service, port);
  };
  load(initial);

  let lastWritten: string = text ?? JSON.stringify(initial);
  let writing: Promise<void> | null = null;
  let next: Deferred | null = null;
  let current: Deferred | null = null;
  const stats = { writes: 0, failedWrites: 0 };

  const serialize = (): string =>
    JSON.stringify({
      schemaVersion: STATE_SCHEMA_VERSION,
      writtenAt: new Date(clock.now()).toISOString(),
      allocations: [...allocations.values()],
      sticky: Object.fromEntries(sticky),
    } satisfies StateFile);

  const writeLoop = async (): Promise<void> => {
    while (next) {
      const batch = next;
      next = null;
      current = batch;
      const snapshot = serialize();
      try {
        await file.write(snapshot);
        lastWritten = snapshot;
        stats.writes++;
        batch.resolve();
      } catch (error) {
        stats.failedWrites++;
        // Memory holds this batch and any later mutations; none of them is on disk. Roll all
        // of them back and refuse every waiting commit.
        load(JSON.parse(lastWritten) as StateFile);
        const failure = new PortsError(
          'E_STATE',
          `Could not write the state file ${options.source}: ${(error as Error).message}; the change was not made`,
          { path: options.source, errno: (error as NodeJS.ErrnoException).code },
          { cause: error },
        );
        batch.reject(failure);
        if (next) {
          (next as Deferred).reject(failure);
          next = null;
        }
      }
    }
    current = null;
    writing = null;
  };

  return {
    allocations,
    sticky,
    stats,
    add(allocation) {
      allocations.set(allocation.port, allocation);
      if (allocation.service !== null) sticky.set(allocation.service, allocation.port);
    },
    remove(port) {
      const allocation = allocations.get(port);
      allocations.delete(port);
      return allocation;
    },
    replace(allocation) {
      allocations.set(allocation.port, allocation);
    },
    commit() {
      next ??= deferred();
      const waiting = next.promise;
      writing ??= writeLoop();
      return waiting;
    },
    whenDurable() {
      return (next ?? current)?.promise ?? Promise.resolve();
    },
    async flush() {
      while (writing) await writing;
    },
  };
}
