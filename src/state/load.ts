/**
 * Start-up: the snapshot, then the journal replayed over it. The daemon never refuses to start
 * over its state (so it never crash-loops on it); what it could not use is kept aside, never
 * deleted, and reported (`state.recovered`, last-recovery.json, `ports doctor`):
 *
 * | found | outcome |
 * |---|---|
 * | state.json unusable (not JSON, wrong schema, a future version, a port twice, a symlink, unreadable) | kept as `state.json.corrupt-<time>`; the last good copy `state.json.bak` (or nothing) is the base; the journal is replayed over it as far as it reaches |
 * | state.json missing, journal present | the journal is replayed from nothing; records before its first are reported lost |
 * | a torn last line | dropped (it was never acknowledged) |
 * | a damaged line between good ones, or a hole in the seqs | what is readable is applied; the segment is kept as `<name>.corrupt-<time>` |
 * | journal records the snapshot already holds (a crash during compaction) | skipped, silently |
 * | a schemaVersion-1 state.json | migrated |
 */
import { isPortsError } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { createAllocationTable, type AllocationTable } from './allocation-table.js';
import { createInterner, fromStored } from './records.js';
import { replayJournal, type ReplayReport } from './replay.js';
import { STATE_SCHEMA_VERSION } from './schema.js';
import { parseSnapshot, type ParsedSnapshot } from './snapshot.js';
import type { SegmentName, StateStorage } from './storage.js';

export interface RecoveryReport {
  at: string;
  /** What was wrong, in one line per problem joined by "; ". */
  reason: string;
  /** Where unusable files now are. */
  keptAs: string[];
  /** What the allocations were rebuilt from. */
  restoredFrom: 'snapshot' | 'backup' | 'empty';
  allocations: number;
  journal: Pick<ReplayReport, 'applied' | 'torn' | 'damaged' | 'gaps'>;
}

export interface LoadedState {
  table: AllocationTable;
  /** The last journal seq in use; the next record gets one more. */
  lastSeq: number;
  /** Write a snapshot and start a new journal before serving (the journal was replayed, the file migrated or recovered, or there was none). */
  needsSnapshot: boolean;
  /** schemaVersion of the snapshot read, when it was older than the current one. */
  migratedFrom: number | null;
  recovery: RecoveryReport | null;
}

function readProblem(error: unknown, source: string): string {
  if (isPortsError(error)) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ELOOP'
    ? `${source} is a symbolic link; portkeeper does not follow links for its state`
    : `${source} cannot be read (${code ?? (error as Error).message})`;
}

function tryParse(text: string | null, source: string): ParsedSnapshot | null {
  if (text === null) return null;
  try {
    return parseSnapshot(text, source);
  } catch (error) {
    if (isPortsError(error)) return null;
    throw error;
  }
}

export interface LoadOptions {
  clock: Clock;
  stickyMax: number;
  /** Only read: keep unusable files where they are (tests and tools looking at a folder). */
  readOnly?: boolean;
}

export async function loadState(storage: StateStorage, options: LoadOptions): Promise<LoadedState> {
  const setAside = async (move: () => Promise<string>, name: string): Promise<string> => (options.readOnly ? name : move());
  const at = new Date(options.clock.now()).toISOString();
  const stamp = at.replace(/[:.]/g, '-');
  const problems: string[] = [];
  const keptAs: string[] = [];
  let restoredFrom: RecoveryReport['restoredFrom'] = 'snapshot';

  let base: ParsedSnapshot | null = null;
  let missing = false;
  try {
    const text = await storage.readSnapshot();
    if (text === null) missing = true;
    else base = parseSnapshot(text, storage.source);
  } catch (error) {
    problems.push(readProblem(error, storage.source));
    keptAs.push(await setAside(() => storage.setAsideSnapshot(stamp), storage.source));
    base = tryParse(await storage.readBackup(), `${storage.source}.bak`);
    restoredFrom = base ? 'backup' : 'empty';
  }

  const intern = createInterner();
  const table = createAllocationTable({ stickyMax: options.stickyMax });
  if (base) {
    for (const stored of base.state.allocations) table.put(fromStored(stored, intern));
    for (const [service, port] of Object.entries(base.state.sticky)) table.setSticky(service, port);
  }
  const snapshotSeq = base?.state.journalSeq ?? 0;
  const segments = await storage.readSegments();
  const replay = replayJournal(table, snapshotSeq, segments, intern);

  if (missing && replay.nonEmpty.length > 0) {
    problems.push(`${storage.source} is missing; the allocations were rebuilt from the journal`);
    restoredFrom = 'empty';
  }
  if (replay.torn.length > 0) {
    const first = replay.torn[0];
    problems.push(`dropped ${replay.torn.length} cut-off line(s) at the end of ${first?.segment} (a write the crash interrupted; never acknowledged)`);
  }
  if (replay.damaged.length > 0) {
    const where = replay.damaged.map((bad) => `${bad.segment} line ${bad.line} (${bad.reason})`).join(', ');
    problems.push(`damaged journal line(s), whose change is lost: ${where}`);
  }
  if (replay.gaps.length > 0) {
    const holes = replay.gaps.map((gap) => (gap.from === gap.to ? `${gap.from}` : `${gap.from}-${gap.to}`)).join(', ');
    problems.push(`journal record(s) ${holes} are missing (after the snapshot's ${snapshotSeq}); the changes they held are lost`);
  }
  if (replay.damaged.length > 0 || replay.gaps.length > 0) {
    // Kept as they were for a look; the state goes on from a fresh snapshot.
    for (const name of new Set(replay.nonEmpty)) keptAs.push(await setAside(() => storage.setAside(name as SegmentName, stamp), name));
  }

  const migratedFrom = base !== null && base.from !== STATE_SCHEMA_VERSION ? base.from : null;
  return {
    table,
    lastSeq: replay.lastSeq,
    needsSnapshot: base === null || replay.nonEmpty.length > 0 || migratedFrom !== null || problems.length > 0,
    migratedFrom,
    recovery:
      problems.length === 0
        ? null
        : {
            at,
            reason: problems.join('; '),
            keptAs,
            restoredFrom,
            allocations: table.allocations.size,
            journal: { applied: replay.applied, torn: replay.torn, damaged: replay.damaged, gaps: replay.gaps },
          },
  };
}
