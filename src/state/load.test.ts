import { describe, expect, it } from 'vitest';
import { allocation } from '../../test/helpers/allocation.js';
import { systemClock } from '../shared/clock.js';
import { encodeRecord } from './journal-format.js';
import { loadState } from './load.js';
import { toStored } from './records.js';
import type { JournalOp } from './schema.js';
import { renderSnapshotSync } from './snapshot.js';
import { createMemoryStorage } from './storage-memory.js';

/** A snapshot holding `ports` as of journal record `seq`. */
const snapshot = (seq: number, ports: number[]) =>
  renderSnapshotSync({ journalSeq: seq, allocations: ports.map((port) => allocation(port)), sticky: [] }, Date.parse('2026-01-01T00:00:00Z'));

const put = (port: number): JournalOp => ({ put: toStored(allocation(port)) });
const record = (seq: number, ...ops: JournalOp[]) => encodeRecord({ seq, at: '2026-01-01T00:00:00.000Z', ops });

async function load(files: Record<string, string>) {
  const storage = createMemoryStorage(files);
  const loaded = await loadState(storage, { clock: systemClock, stickyMax: 100 });
  return { ...loaded, ports: [...loaded.table.allocations.keys()].sort((a, b) => a - b), files: storage.files };
}

describe('start-up: the snapshot and the journal after it', () => {
  it('brings back an allocation\'s health URL and action from either', async () => {
    const served = allocation(3001, { pid: 100, healthUrl: 'http://127.0.0.1:3001/health', healthAction: 'kill' });
    const fromSnapshot = renderSnapshotSync({ journalSeq: 1, allocations: [{ ...served, port: 3000 }], sticky: [] }, Date.parse('2026-01-01T00:00:00Z'));
    const result = await load({ 'state.json': fromSnapshot, 'state.journal': record(2, { put: toStored(served) }) + record(3, put(3002)) });
    expect(result.table.allocations.get(3000)).toMatchObject({ healthUrl: 'http://127.0.0.1:3001/health', healthAction: 'kill' });
    expect(result.table.allocations.get(3001)).toMatchObject({ healthAction: 'kill' });
    // An allocation without one (and every record written before actions existed) uses the configured default.
    expect(result.table.allocations.get(3002)?.healthAction).toBeNull();
  });

  it('replays the records after the snapshot, in seq order across segments', async () => {
    const result = await load({
      'state.json': snapshot(2, [3000]),
      'state.journal.old': record(3, put(3001)) + record(4, { del: 3000 }),
      'state.journal': record(5, put(3002)),
    });
    expect(result.ports).toEqual([3001, 3002]);
    expect(result).toMatchObject({ lastSeq: 5, recovery: null, needsSnapshot: true });
  });

  it('skips records the snapshot already holds (a crash during compaction), silently', async () => {
    const result = await load({ 'state.json': snapshot(3, [3000, 3001]), 'state.journal': record(2, put(3001)) + record(3, { del: 9 }) });
    expect(result.ports).toEqual([3000, 3001]);
    expect(result.recovery).toBeNull();
  });

  it('drops a torn last line (never acknowledged), with a notice', async () => {
    const torn = record(3, put(3002)).slice(0, 30);
    const result = await load({ 'state.json': snapshot(1, [3000]), 'state.journal': record(2, put(3001)) + torn });
    expect(result.ports).toEqual([3000, 3001]);
    expect(result.recovery).toMatchObject({ reason: expect.stringContaining('cut-off line'), restoredFrom: 'snapshot', allocations: 2 });
    expect(result.recovery?.journal.torn).toEqual([{ segment: 'state.journal', line: 2, reason: 'cut off (no newline)' }]);
  });

  it('drops a last line with a bad checksum as torn too', async () => {
    const bad = record(3, put(3002)).replace('3002', '3003');
    const result = await load({ 'state.json': snapshot(1, []), 'state.journal': record(2, put(3001)) + bad });
    expect(result.ports).toEqual([3001]);
    expect(result.recovery?.journal.torn).toMatchObject([{ line: 2, reason: 'checksum mismatch' }]);
  });

  it('applies what it can around garbage in the middle, reports the loss and keeps the segment aside', async () => {
    const result = await load({
      'state.json': snapshot(1, []),
      'state.journal': record(2, put(3001)) + 'garbage\n' + record(4, put(3003)),
    });
    expect(result.ports).toEqual([3001, 3003]);
    expect(result.recovery).toMatchObject({ reason: expect.stringMatching(/damaged journal line.*state\.journal line 2.*missing/) });
    expect(result.recovery?.journal.gaps).toEqual([{ from: 3, to: 3 }]);
    expect(result.recovery?.keptAs).toEqual([expect.stringMatching(/^state\.journal\.corrupt-/)]);
    expect(result.files.has('state.journal')).toBe(false);
  });

  it('ignores garbage in the middle of records the snapshot already holds', async () => {
    const result = await load({ 'state.json': snapshot(4, [3001]), 'state.journal': record(2, put(3001)) + 'garbage\n' + record(4, put(3003)) });
    expect(result.recovery).toBeNull();
    expect(result.ports).toEqual([3001]);
  });

  it('rebuilds from a journal without a snapshot; nothing is lost when it starts at record 1', async () => {
    const result = await load({ 'state.journal': record(1, put(3000)) + record(2, put(3001)) });
    expect(result.ports).toEqual([3000, 3001]);
    expect(result.recovery).toMatchObject({ reason: expect.stringContaining('is missing; the allocations were rebuilt from the journal'), restoredFrom: 'empty' });
    expect(result.recovery?.journal.gaps).toEqual([]);
  });

  it('reports the records lost when a journal without a snapshot starts later', async () => {
    const result = await load({ 'state.journal': record(7, put(3000)) });
    expect(result.ports).toEqual([3000]);
    expect(result.recovery?.journal.gaps).toEqual([{ from: 1, to: 6 }]);
    expect(result.recovery?.reason).toMatch(/record\(s\) 1-6 are missing/);
  });

  it('reports a journal that starts after a hole (the snapshot is older than the journal)', async () => {
    const result = await load({ 'state.json': snapshot(2, [3000]), 'state.journal': record(6, put(3001)) });
    expect(result.ports).toEqual([3000, 3001]);
    expect(result.recovery?.journal.gaps).toEqual([{ from: 3, to: 5 }]);
  });

  it('replays the journal over the last good copy when the snapshot is unusable', async () => {
    const result = await load({ 'state.json': '{"schemaVersion":2,', 'state.json.bak': snapshot(2, [3000]), 'state.journal': record(3, put(3001)) });
    expect(result.ports).toEqual([3000, 3001]);
    expect(result.recovery).toMatchObject({ restoredFrom: 'backup', reason: expect.stringContaining('is not valid JSON'), keptAs: [expect.stringMatching(/^state\.json\.corrupt-/)] });
  });

  it('migrates a schemaVersion-1 state.json, nulls and all', async () => {
    const v1 = JSON.stringify({
      schemaVersion: 1,
      writtenAt: '2026-01-01T00:00:00.000Z',
      allocations: [{ ...allocation(3000, { service: 'web', pid: 4242, pidStartTime: 9 }), health: { failures: 2, status: 'unhealthy', reason: 'not_listening', lastCheckAt: '2026-01-01T00:00:00.000Z' } }],
      sticky: { web: 3000 },
    });
    const result = await load({ 'state.json': v1 });
    expect(result).toMatchObject({ migratedFrom: 1, needsSnapshot: true, recovery: null, lastSeq: 0 });
    expect(result.table.allocations.get(3000)).toMatchObject({ service: 'web', pid: 4242, health: { failures: 2, reason: 'not_listening' } });
    expect(result.table.sticky.get('web')).toBe(3000);
  });

  it('validates in full a snapshot whose check no longer matches (edited by hand)', async () => {
    const edited = snapshot(1, [3000]).replace('"port":3000', '"port":70000');
    const result = await load({ 'state.json': edited });
    expect(result.recovery).toMatchObject({ reason: expect.stringMatching(/allocations\.0\.port/), restoredFrom: 'empty' });
    // The daemon's own snapshot carries a check of itself.
    expect(snapshot(1, [3000])).toMatch(/,"check":"[0-9a-f]{8}"}\n$/);
  });

  it('starts empty on a fresh folder, with a snapshot to write', async () => {
    expect(await load({})).toMatchObject({ ports: [], lastSeq: 0, needsSnapshot: true, recovery: null });
  });
});
