/**
 * Every older state.json goes through here on its way to the current schema: one step per
 * version, each a pure function from version N's JSON to version N+1's. Adding a schema version
 * means bumping STATE_SCHEMA_VERSION and adding the step from the version before it.
 */
import { STATE_SCHEMA_VERSION } from './schema.js';

export type MigrationStep = (state: Record<string, unknown>) => Record<string, unknown>;

/** steps[N] turns version N into N+1. Version 1 is the first; nothing older was ever written. */
export const MIGRATIONS: Readonly<Record<number, MigrationStep>> = {
  // Version 2 added the journal: a version-1 file is a snapshot that no journal record follows.
  // Its records are valid version-2 records as they are (nulls are read as absent).
  1: (state) => ({ ...state, journalSeq: 0 }),
};

export type MigrationResult =
  | { ok: true; state: unknown; from: number }
  | { ok: false; reason: string };

export function migrate(json: unknown, steps: Readonly<Record<number, MigrationStep>> = MIGRATIONS, current = STATE_SCHEMA_VERSION): MigrationResult {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, reason: 'not a JSON object' };
  const from = (json as { schemaVersion?: unknown }).schemaVersion;
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 1) return { ok: false, reason: `schemaVersion ${JSON.stringify(from)} is not a version` };
  if (from > current) return { ok: false, reason: `schemaVersion ${from}, newer than this portkeeper understands (${current}); upgrade portkeeper` };
  let state = json as Record<string, unknown>;
  for (let version = from; version < current; version++) {
    const step = steps[version];
    if (!step) return { ok: false, reason: `no migration from schemaVersion ${version} to ${version + 1}` };
    state = { ...step(state), schemaVersion: version + 1 };
  }
  return { ok: true, state, from };
}
