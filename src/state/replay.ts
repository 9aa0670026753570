/**
 * Start-up replay: the journal records after the snapshot's `journalSeq`, from every segment, in
 * seq order, applied to the table loaded from the snapshot. Pure: text in, table changes and a
 * report out. What it finds, and what start-up then does (state/load.ts):
 *
 * - records at or below the snapshot's seq: already in it (a crash during compaction); skipped;
 * - bad lines at the end of a segment: a write cut off by a crash, never acknowledged; dropped;
 * - a bad line between good records: damage; its change is lost, the rest is applied;
 * - a hole in the seqs after the snapshot: records missing (a segment removed by hand, or a
 *   snapshot older than the journal); what is there is applied.
 */
import type { AllocationTable } from './allocation-table.js';
import { decodeSegment, type BadLine } from './journal-format.js';
import type { JournalRecord } from './schema.js';

export interface SegmentText {
  name: string;
  text: string;
}

export interface SegmentLine extends BadLine {
  segment: string;
}

export interface ReplayReport {
  /** The highest seq seen (the next record gets one more). */
  lastSeq: number;
  applied: number;
  /** Records the snapshot already held. */
  covered: number;
  torn: SegmentLine[];
  /** Damaged lines whose change the snapshot does not already hold. */
  damaged: SegmentLine[];
  gaps: Array<{ from: number; to: number }>;
  /** Segments that held at least one line. */
  nonEmpty: string[];
}

export function replayJournal(table: AllocationTable, snapshotSeq: number, segments: readonly SegmentText[], intern?: (value: string | null) => string | null): ReplayReport {
  const report: ReplayReport = { lastSeq: snapshotSeq, applied: 0, covered: 0, torn: [], damaged: [], gaps: [], nonEmpty: [] };
  const records: Array<{ segment: string; record: JournalRecord }> = [];
  for (const segment of segments) {
    if (segment.text.length === 0) continue;
    report.nonEmpty.push(segment.name);
    const decoded = decodeSegment(segment.text);
    for (const { record } of decoded.records) records.push({ segment: segment.name, record });
    for (const bad of decoded.torn) report.torn.push({ segment: segment.name, ...bad });
    for (const bad of decoded.damaged) {
      // The first good record after the damage: when the snapshot holds it, it holds this too.
      const after = decoded.records.find((entry) => entry.line > bad.line);
      if (after !== undefined && after.record.seq <= snapshotSeq) continue;
      report.damaged.push({ segment: segment.name, ...bad });
    }
  }
  records.sort((a, b) => a.record.seq - b.record.seq);

  let expected = snapshotSeq + 1;
  let previous = 0;
  for (const { segment, record } of records) {
    if (record.seq === previous) {
      report.damaged.push({ segment, line: 0, reason: `seq ${record.seq} appears twice; the second copy is ignored` });
      continue;
    }
    previous = record.seq;
    if (record.seq <= snapshotSeq) {
      report.covered++;
      continue;
    }
    if (record.seq > expected) report.gaps.push({ from: expected, to: record.seq - 1 });
    for (const op of record.ops) table.apply(op, intern);
    report.applied++;
    expected = record.seq + 1;
  }
  report.lastSeq = Math.max(snapshotSeq, previous);
  return report;
}
