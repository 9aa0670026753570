/**
 * state.json, the snapshot: read (JSON → migrate → validate) and written (one allocation per
 * line, so it stays readable and diffable). Writing yields to requests every few thousand
 * allocations: a snapshot of 50,000 never stalls the daemon for the whole of it.
 */
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { PortsError } from '../errors.js';
import type { Allocation } from '../protocol/allocation.js';
import { formatIssues } from '../protocol/messages.js';
import { migrate } from './migrate.js';
import { toStored } from './records.js';
import { STATE_SCHEMA_VERSION, stateFileSchema, type StateFile } from './schema.js';

export interface SnapshotContent {
  /** The last journal record the snapshot holds. */
  journalSeq: number;
  allocations: readonly Allocation[];
  /** Service → port, oldest first. */
  sticky: ReadonlyArray<readonly [string, number]>;
}

export interface ParsedSnapshot {
  state: StateFile;
  /** The schemaVersion the file had (older ones were migrated). */
  from: number;
}

/** `,"check":"<crc32>"}` closes every snapshot the daemon writes: the CRC-32 of all the text before it. */
const CHECK_KEY = ',"check":"';
const CHECK_TAIL = `${CHECK_KEY}00000000"}\n`.length;

function sealed(body: string): string {
  return `${body}${CHECK_KEY}${crc32(body).toString(16).padStart(8, '0')}"}\n`;
}

/** True when the text is exactly what this daemon's writer produced: its check matches. */
function intact(text: string): boolean {
  const at = text.length - CHECK_TAIL;
  if (at <= 0 || text.slice(at, at + CHECK_KEY.length) !== CHECK_KEY || !text.endsWith('"}\n')) return false;
  return crc32(text.slice(0, at)).toString(16).padStart(8, '0') === text.slice(at + CHECK_KEY.length, at + CHECK_KEY.length + 8);
}

/** The shape every snapshot has, checked without the per-record schema. */
function isSnapshotShape(json: unknown): json is StateFile {
  if (json === null || typeof json !== 'object') return false;
  const state = json as Record<string, unknown>;
  return (
    state['schemaVersion'] === STATE_SCHEMA_VERSION &&
    Number.isSafeInteger(state['journalSeq']) &&
    Array.isArray(state['allocations']) &&
    state['sticky'] !== null &&
    typeof state['sticky'] === 'object'
  );
}

/**
 * A snapshot whose check matches was written by the daemon from state that was validated when
 * it came in, so its records are not validated one by one again (at 50,000 that is most of the
 * start-up). Anything else — edited by hand, cut off, an older schemaVersion — goes through
 * migrate() and the full schema.
 */
export function parseSnapshot(text: string, source: string): ParsedSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PortsError('E_STATE', `State file ${source} is not valid JSON: ${(error as Error).message}`, { path: source }, { cause: error });
  }
  if (intact(text) && isSnapshotShape(json)) return { state: json, from: STATE_SCHEMA_VERSION };
  const migrated = migrate(json);
  if (!migrated.ok) throw new PortsError('E_STATE', `State file ${source}: ${migrated.reason}`, { path: source });
  const parsed = stateFileSchema.safeParse(migrated.state);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error);
    throw new PortsError('E_STATE', `State file ${source} is invalid:\n  ${issues.slice(0, 10).join('\n  ')}`, { path: source, issues });
  }
  return { state: parsed.data, from: migrated.from };
}

const CHUNK = 2000;

function head(content: SnapshotContent, now: number): string {
  return `{"schemaVersion":${STATE_SCHEMA_VERSION},"writtenAt":${JSON.stringify(new Date(now).toISOString())},"journalSeq":${content.journalSeq},"allocations":[`;
}

function tail(content: SnapshotContent): string {
  return `\n],"sticky":${JSON.stringify(Object.fromEntries(content.sticky))}`;
}

function lines(allocations: readonly Allocation[], from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) text += `${i === 0 ? '\n' : ',\n'}${JSON.stringify(toStored(allocations[i] as Allocation))}`;
  return text;
}

/** The snapshot's text, built a chunk at a time between requests. */
export async function renderSnapshot(content: SnapshotContent, now: number): Promise<string> {
  const parts = [head(content, now)];
  for (let from = 0; from < content.allocations.length; from += CHUNK) {
    parts.push(lines(content.allocations, from, Math.min(from + CHUNK, content.allocations.length)));
    if (from + CHUNK < content.allocations.length) await yieldToRequests();
  }
  parts.push(tail(content));
  return sealed(parts.join(''));
}

/** The same text at once (start-up, tests). */
export function renderSnapshotSync(content: SnapshotContent, now: number): string {
  return sealed(head(content, now) + lines(content.allocations, 0, content.allocations.length) + tail(content));
}
