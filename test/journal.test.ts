import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { PortsClient } from '../src/client/client.js';
import type { AuditEvent } from '../src/protocol/events.js';
import { startDaemon, type Daemon } from '../src/daemon/daemon.js';
import { createSilentLogger } from '../src/daemon/logger.js';
import { encodeRecord } from '../src/state/journal-format.js';
import { toStored } from '../src/state/records.js';
import { renderSnapshotSync } from '../src/state/snapshot.js';
import { clientFor, pathsIn, startTestDaemon, testConfig } from './helpers/daemon.js';
import { allocation } from './helpers/allocation.js';
import { readStateFolder } from './helpers/store.js';
import { useTempDir } from './helpers/temp-dir.js';
import { tinyDisk } from './helpers/tiny-disk.js';

const RANGE = { start: 16000, end: 17999 };

async function daemonOn(dir: string, stateDir: string, overrides: Record<string, unknown> = {}): Promise<Daemon> {
  const daemon = await startDaemon({
    config: testConfig(overrides),
    socketPath: join(dir, 'run', 'ports.sock'),
    stateDir,
    foreground: false,
    logger: createSilentLogger(),
  });
  onTestFinished(() => daemon.close('test finished'));
  return daemon;
}

/** Allocate until the first failure; what was acknowledged, and the failure. */
async function fillUntilFailure(client: PortsClient, extra: { command?: string } = {}, max = 5000) {
  const acknowledged: number[] = [];
  for (let i = 0; i < max; i++) {
    try {
      acknowledged.push((await client.allocate({ pid: null, service: `fill-${i}`, range: RANGE, ...extra })).allocation.port);
    } catch (error) {
      return { acknowledged, failure: error };
    }
  }
  return { acknowledged, failure: null };
}

const sorted = (ports: Iterable<number>) => [...ports].sort((a, b) => a - b);

describe('a full disk', () => {
  it('refuses the change that does not fit with E_STATE, loses nothing acknowledged, and recovers once space is free', async () => {
    const dir = useTempDir();
    const disk = tinyDisk(dir, '128k');
    if (disk === null) return;
    // Something else on the disk, to be freed later.
    writeFileSync(join(disk, 'filler'), Buffer.alloc(48 * 1024));
    const daemon = await daemonOn(dir, join(disk, 'state'));
    const client = await clientFor(daemon.socketPath);
    const { acknowledged, failure } = await fillUntilFailure(client);
    expect(failure).toMatchObject({ code: 'E_STATE', message: expect.stringMatching(/no space left on device.*the change was not made/) });
    // Memory went back to what is on disk: exactly the acknowledged allocations, in both.
    expect(sorted((await readStateFolder(daemon.paths.dir)).map((a) => a.port))).toEqual(sorted(acknowledged));
    expect((await client.status()).allocations.map((a) => a.port)).toEqual(sorted(acknowledged));

    rmSync(join(disk, 'filler'));
    const after = await client.allocate({ pid: null, service: 'after-space-freed', range: RANGE });
    // That change was made durable by a whole snapshot; the journal started over.
    expect(statSync(join(daemon.paths.dir, 'state.journal')).size).toBe(0);
    expect(sorted((await readStateFolder(daemon.paths.dir)).map((a) => a.port))).toEqual(sorted([...acknowledged, after.allocation.port]));
    const released = await client.release({ ports: acknowledged.slice(0, 10) });
    expect(released.released).toHaveLength(10);
    expect((await readStateFolder(daemon.paths.dir)).length).toBe(acknowledged.length - 10 + 1);
  });

  it('keeps serving when a compaction does not fit, and compacts once space is free', async () => {
    const dir = useTempDir();
    const disk = tinyDisk(dir, '256k');
    if (disk === null) return;
    writeFileSync(join(disk, 'filler'), Buffer.alloc(64 * 1024));
    // A compaction every 10 records; big records so a snapshot outgrows the disk before the journal does.
    const daemon = await daemonOn(dir, join(disk, 'state'), { state: { journal_max_records: 10 } });
    const client = await clientFor(daemon.socketPath);
    const command = 'x'.repeat(2000);
    let acknowledged: number[] = [];
    while (daemon.store.stats.failedCompactions === 0) {
      const step = await fillUntilFailure(client, { command }, 1);
      expect(step.failure).toBeNull();
      acknowledged = [...acknowledged, ...step.acknowledged];
      await daemon.store.flush();
    }
    // Requests go on after the failed compaction (as long as the journal fits).
    const more = await client.allocate({ pid: null, service: 'after-failed-compaction', range: RANGE, command });
    acknowledged.push(more.allocation.port);
    expect(sorted((await readStateFolder(daemon.paths.dir)).map((a) => a.port))).toEqual(sorted(acknowledged));

    rmSync(join(disk, 'filler'));
    const compactions = daemon.store.stats.compactions;
    await daemon.store.compact();
    expect(daemon.store.stats.compactions).toBeGreaterThan(compactions);
    expect(existsSync(join(daemon.paths.dir, 'state.journal.old'))).toBe(false);
    const snapshot = JSON.parse(readFileSync(daemon.paths.stateFile, 'utf8')) as { allocations: unknown[]; journalSeq: number };
    expect(snapshot.allocations).toHaveLength(acknowledged.length);
    expect(snapshot.journalSeq).toBe(daemon.store.stats.lastSeq);
  });
});

describe('start-up on damaged journal files', () => {
  function seed(dir: string, files: Record<string, string>): string {
    const stateDir = pathsIn(dir).stateDir;
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(stateDir, name), content, { mode: 0o600 });
    return stateDir;
  }
  const snapshot = (seq: number, ports: number[]) => renderSnapshotSync({ journalSeq: seq, allocations: ports.map((port) => allocation(port, { service: `s${port}` })), sticky: [] }, Date.now());
  const put = (seq: number, port: number) => encodeRecord({ seq, at: new Date().toISOString(), ops: [{ put: toStored(allocation(port, { service: `s${port}` })) }] });

  it('drops a torn last line, reports it, and starts from a fresh snapshot and journal', async () => {
    const dir = useTempDir();
    const stateDir = seed(dir, { 'state.json': snapshot(1, [3000]), 'state.journal': put(2, 3001) + put(3, 3002).slice(0, 40) });
    const daemon = await startTestDaemon(dir);
    const client = await clientFor(daemon.socketPath);
    expect((await client.status()).allocations.map((a) => a.port)).toEqual([3000, 3001]);
    const { events } = await client.events();
    expect(events.find((e: AuditEvent) => e.type === 'state.recovered')).toMatchObject({ reason: expect.stringContaining('cut-off line') });
    expect(JSON.parse(readFileSync(join(stateDir, 'last-recovery.json'), 'utf8'))).toMatchObject({ restoredFrom: 'snapshot', allocations: 2 });
    expect(JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'))).toMatchObject({ schemaVersion: 2, journalSeq: 2 });
    expect(readFileSync(join(stateDir, 'state.journal'), 'utf8')).toBe('');
  });

  it('keeps a journal with garbage in the middle aside and applies the rest', async () => {
    const dir = useTempDir();
    const stateDir = seed(dir, { 'state.json': snapshot(1, []), 'state.journal': put(2, 3001) + '\u0000\u0000 not a record\n' + put(4, 3003) });
    const daemon = await startTestDaemon(dir);
    const client = await clientFor(daemon.socketPath);
    expect((await client.status()).allocations.map((a) => a.port)).toEqual([3001, 3003]);
    const aside = readdirSync(stateDir).filter((name) => name.startsWith('state.journal.corrupt-'));
    expect(aside).toHaveLength(1);
    const { events } = await client.events();
    expect(events.find((e: AuditEvent) => e.type === 'state.recovered')?.reason).toMatch(/damaged journal line.*line 2.*record\(s\) 3 are missing/);
    // New changes go to a new journal after a new snapshot.
    const { allocation: added } = await client.allocate({ pid: null, service: 'new', range: RANGE });
    expect(sorted((await readStateFolder(stateDir)).map((a) => a.port))).toEqual([3001, 3003, added.port]);
  });

  it('upgrades a version-1 state.json written by the previous daemon', async () => {
    const dir = useTempDir();
    const v1 = {
      schemaVersion: 1,
      writtenAt: '2026-11-23T20:00:00.000Z',
      allocations: [
        {
          port: 3007, service: 'web', type: 'dev', pid: null, pidStartTime: null, owner: 'ci-1', cwd: '/src/app', command: 'node server.js',
          createdAt: '2026-11-23T19:00:00.000Z', expiresAt: null, ttlMs: null, listenCheck: true, healthUrl: null,
          health: { failures: 0, status: 'healthy', reason: null, lastCheckAt: '2026-11-23T19:59:00.000Z' },
        },
      ],
      sticky: { web: 3007, old: 3010 },
    };
    const stateDir = seed(dir, { 'state.json': JSON.stringify(v1) });
    const daemon = await startTestDaemon(dir);
    const client = await clientFor(daemon.socketPath);
    expect((await client.status()).allocations).toEqual([expect.objectContaining({ port: 3007, service: 'web', owner: 'ci-1', cwd: '/src/app', command: 'node server.js' })]);
    const upgraded = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'));
    expect(upgraded).toMatchObject({ schemaVersion: 2, journalSeq: 0, sticky: { web: 3007, old: 3010 } });
    expect(upgraded.allocations).toEqual([{ port: 3007, service: 'web', type: 'dev', owner: 'ci-1', cwd: '/src/app', command: 'node server.js', createdAt: '2026-11-23T19:00:00.000Z' }]);
    // The sticky ports survive the upgrade.
    expect([...daemon.store.sticky]).toEqual([['web', 3007], ['old', 3010]]);
  });
});
