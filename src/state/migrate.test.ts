import { describe, expect, it } from 'vitest';
import { migrate, type MigrationStep } from './migrate.js';

describe('migrate', () => {
  it('passes the current version through unchanged', () => {
    const state = { schemaVersion: 2, allocations: [] };
    expect(migrate(state)).toEqual({ ok: true, state, from: 2 });
  });

  it('migrates a version-1 state.json: a snapshot no journal record follows', () => {
    expect(migrate({ schemaVersion: 1, allocations: [] })).toEqual({ ok: true, state: { schemaVersion: 2, allocations: [], journalSeq: 0 }, from: 1 });
  });

  it('runs every step from an older version to the current one, in order', () => {
    const steps: Record<number, MigrationStep> = {
      1: (s) => ({ ...s, renamed: s['old'], old: undefined }),
      2: (s) => ({ ...s, added: true }),
    };
    expect(migrate({ schemaVersion: 1, old: 'x' }, steps, 3)).toEqual({
      ok: true,
      from: 1,
      state: { schemaVersion: 3, renamed: 'x', old: undefined, added: true },
    });
  });

  it.each([
    ['a future version', { schemaVersion: 9 }, /newer than this portkeeper understands \(2\); upgrade portkeeper/],
    ['no version', { allocations: [] }, /schemaVersion undefined is not a version/],
    ['a missing step', { schemaVersion: 1 }, /no migration from schemaVersion 1 to 2/],
    ['not an object', [1, 2], /not a JSON object/],
  ])('refuses %s', (what, json, reason) => {
    const result = what === 'a missing step' ? migrate(json, {}, 2) : migrate(json);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });
});
