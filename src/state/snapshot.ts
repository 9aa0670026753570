import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { PortsError } from '../errors.js';
import type { Allocation } from '../protocol/allocation.js';
import { formatIssues } from '../protocol/messages.js';
import { migrate } from './migrate.js';
import { toStored } from './records.js';
import { STATE_SCHEMA_VERSION, stateFileSchema, type StateFile } from './schema.js';

/**
 * state.json, the snapshot: read (JSON → migrate → validate) and written (one allocation per
 * line, so it stays readable and diffable). Writing yields to requests every few thousand
 * allocations: a snapshot of 50,000 never stalls the daemon for the whole of it.
 */
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

export function parseSnapshot(text: string, source: string): ParsedSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PortsError('E_STATE', `State file ${source} is not valid JSON: ${(error as Error).message}`, { path: source }, { cause: error });
  }
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
  return `\n],"sticky":${JSON.stringify(Object.fromEntries(content.sticky))}}\n`;
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
  return parts.join('');
}

/** The same text at once (start-up, tests). */
export function renderSnapshotSync(content: SnapshotContent, now: number): string {
  return head(content, now) + lines(content.allocations, 0, content.allocations.length) + tail(content);
}
