import { crc32 } from 'node:zlib';
import { journalRecordSchema, type JournalRecord } from './schema.js';

/**
 * The journal's line format: `<crc32 of the JSON, 8 hex digits> <JSON record>\n`. The checksum
 * tells a torn or damaged line from a good one; the record's `seq` orders records across
 * segments. Pure (crc32 is computation, not I/O).
 */
export function encodeRecord(record: JournalRecord): string {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
}

function checksum(json: string): string {
  return crc32(json).toString(16).padStart(8, '0');
}

export interface DecodedLine {
  /** 1-based line number in the segment. */
  line: number;
  record: JournalRecord;
}

export interface BadLine {
  line: number;
  reason: string;
}

export interface DecodedSegment {
  records: DecodedLine[];
  /** Bad lines with a good record after them: damage in the middle of the segment. */
  damaged: BadLine[];
  /**
   * Bad lines after the last good record (a line cut off by a crash, without its newline or
   * with a wrong checksum): a write that never completed, so never acknowledged.
   */
  torn: BadLine[];
}

function decodeLine(text: string): JournalRecord | string {
  const space = text.indexOf(' ');
  if (space !== 8) return 'no checksum';
  const json = text.slice(9);
  if (checksum(json) !== text.slice(0, 8)) return 'checksum mismatch';
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  const parsed = journalRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `not a journal record (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`;
  }
  return parsed.data;
}

export function decodeSegment(text: string): DecodedSegment {
  const lines = text.split('\n');
  // After the last newline: empty when the segment ends cleanly, else a line cut off mid-write.
  const tail = lines.pop() ?? '';
  const records: DecodedLine[] = [];
  const bad: BadLine[] = [];
  let lastSeq = 0;
  lines.forEach((content, index) => {
    if (content.length === 0) return;
    const decoded = decodeLine(content);
    if (typeof decoded === 'string') {
      bad.push({ line: index + 1, reason: decoded });
    } else if (decoded.seq <= lastSeq) {
      bad.push({ line: index + 1, reason: `seq ${decoded.seq} after ${lastSeq}` });
    } else {
      lastSeq = decoded.seq;
      records.push({ line: index + 1, record: decoded });
    }
  });
  if (tail.length > 0) bad.push({ line: lines.length + 1, reason: 'cut off (no newline)' });
  const lastGood = records.at(-1)?.line ?? 0;
  return {
    records,
    damaged: bad.filter((entry) => entry.line < lastGood),
    torn: bad.filter((entry) => entry.line > lastGood),
  };
}
