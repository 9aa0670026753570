import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/protocol/events.js';
import { clientFor, pathsIn, startTestDaemon } from './helpers/daemon.js';
import { useTempDir } from './helpers/temp-dir.js';

const GOOD = (port: number) =>
  JSON.stringify({
    schemaVersion: 1,
    writtenAt: '2026-01-01T00:00:00.000Z',
    allocations: [
      {
        port, service: 'kept', type: 'dev', pid: null, pidStartTime: null, owner: null, cwd: null, command: null,
        createdAt: '2026-01-01T00:00:00.000Z', expiresAt: null, ttlMs: null, listenCheck: true, healthUrl: null,
        health: { failures: 0, status: null, reason: null, lastCheckAt: null },
      },
    ],
    sticky: { kept: port },
  });

function seed(dir: string, files: Record<string, string>): string {
  const stateDir = pathsIn(dir).stateDir;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(stateDir, name), content, { mode: 0o600 });
  return stateDir;
}

describe('start-up recovery of state.json', () => {
  it.each([
    ['truncated', GOOD(3000).slice(0, 50)],
    ['not JSON', 'hello'],
    ['of the wrong schema', '{"schemaVersion":1,"allocations":"many"}'],
    ['from a future version', '{"schemaVersion":7,"writtenAt":"2030-01-01T00:00:00Z","allocations":[],"sticky":{}}'],
    ['holding a port twice', GOOD(3000).replace('"allocations":[', '"allocations":[' + JSON.parse(GOOD(3000)).allocations.map((a: unknown) => JSON.stringify(a)).join(',') + ',')],
    ['holding impossible values', GOOD(70000)],
  ])('keeps a state.json that is %s aside and starts from the last good copy', async (_what, bad) => {
    const dir = useTempDir();
    const stateDir = seed(dir, { 'state.json': bad, 'state.json.bak': GOOD(3007) });
    const daemon = await startTestDaemon(dir);
    const client = await clientFor(daemon.socketPath);
    expect((await client.status()).allocations.map((a) => a.port)).toEqual([3007]);

    const aside = readdirSync(stateDir).filter((name) => name.startsWith('state.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(stateDir, aside[0] ?? ''), 'utf8')).toBe(bad);
    // The restored state is on disk at once, and the recovery is on record.
    expect(JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')).allocations[0].port).toBe(3007);
    const report = JSON.parse(readFileSync(join(stateDir, 'last-recovery.json'), 'utf8'));
    expect(report).toMatchObject({ restoredFrom: 'backup', allocations: 1, keptAs: [join(stateDir, aside[0] ?? '')] });
    const { events } = await client.events();
    expect(events.find((e: AuditEvent) => e.type === 'state.recovered')).toMatchObject({ details: { restoredFrom: 'backup' } });
  });

  it('moves a state.json that is a symlink aside instead of following it', async () => {
    const dir = useTempDir();
    const stateDir = seed(dir, { 'state.json.bak': GOOD(3008) });
    writeFileSync(join(dir, 'elsewhere.json'), GOOD(3001));
    symlinkSync(join(dir, 'elsewhere.json'), join(stateDir, 'state.json'));
    const daemon = await startTestDaemon(dir);
    const client = await clientFor(daemon.socketPath);
    expect((await client.status()).allocations.map((a) => a.port)).toEqual([3008]);
    expect(JSON.parse(readFileSync(join(stateDir, 'last-recovery.json'), 'utf8')).reason).toContain('is a symbolic link');
    expect(readFileSync(join(dir, 'elsewhere.json'), 'utf8')).toBe(GOOD(3001));
  });

  it('moves aside a state.json that cannot be read at all (a folder)', async () => {
    const dir = useTempDir();
    const stateDir = seed(dir, { 'state.json.bak': GOOD(3004) });
    mkdirSync(join(stateDir, 'state.json'));
    const daemon = await startTestDaemon(dir);
    const client = await clientFor(daemon.socketPath);
    expect((await client.status()).allocations.map((a) => a.port)).toEqual([3004]);
    expect(JSON.parse(readFileSync(join(stateDir, 'last-recovery.json'), 'utf8')).reason).toMatch(/cannot be read \(EISDIR\)/);
  });

  it('starts empty when there is no good copy, and never refuses to start', async () => {
    const dir = useTempDir();
    seed(dir, { 'state.json': '\u0000\u0000garbage', 'state.json.bak': 'also bad' });
    const daemon = await startTestDaemon(dir);
    const client = await clientFor(daemon.socketPath);
    expect((await client.status()).allocations).toEqual([]);
    expect(JSON.parse(readFileSync(join(pathsIn(dir).stateDir, 'last-recovery.json'), 'utf8'))).toMatchObject({ restoredFrom: 'empty' });
  });

  it('refreshes the last good copy of a good state (here: at the clean stop)', async () => {
    const dir = useTempDir();
    const stateDir = seed(dir, { 'state.json': GOOD(3009) });
    const daemon = await startTestDaemon(dir);
    await daemon.close('test');
    expect(JSON.parse(readFileSync(join(stateDir, 'state.json.bak'), 'utf8')).allocations[0].port).toBe(3009);
    expect(existsSync(join(stateDir, 'last-recovery.json'))).toBe(false);
  });
});
