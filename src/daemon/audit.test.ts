import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import { createAuditFile, createAuditTrail, type AuditEvent } from './audit.js';

const clock = { now: () => Date.parse('2026-01-01T00:00:00Z'), monotonic: () => 0 };

function readEvents(path: string): AuditEvent[] {
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as AuditEvent) : [];
}

describe('audit trail', () => {
  it('rotates by size without losing a line, even for a burst in one tick', async () => {
    const path = join(useTempDir(), 'audit.log');
    const file = createAuditFile({ path, maxBytes: 4096, keepFiles: 10 });
    const trail = createAuditTrail({ file, clock });
    for (let i = 0; i < 200; i++) trail.record({ type: 'allocation.released', allocation: { port: 3000 + i, service: `svc-${i}`, pid: null, owner: null }, reason: 'released' });
    await trail.close();
    const files = [path, ...Array.from({ length: 10 }, (_, i) => `${path}.${i + 1}`)].filter(existsSync);
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) {
      expect(statSync(f).size).toBeLessThanOrEqual(4096);
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    const seqs = files.reverse().flatMap(readEvents).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('keeps only keep_files rotated files', async () => {
    const path = join(useTempDir(), 'audit.log');
    const trail = createAuditTrail({ file: createAuditFile({ path, maxBytes: 4096, keepFiles: 2 }), clock });
    for (let i = 0; i < 200; i++) trail.record({ type: 'daemon.started' });
    await trail.close();
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    // The newest events are in the live file.
    expect(readEvents(path).at(-1)?.seq).toBe(200);
  });

  it('streams to subscribers and keeps a recent window', () => {
    const trail = createAuditTrail({ file: null, clock, keepRecent: 3 });
    const seen: string[] = [];
    const unsubscribe = trail.subscribe((event) => seen.push(event.type));
    trail.record({ type: 'daemon.started' });
    unsubscribe();
    trail.record({ type: 'daemon.stopped' });
    for (let i = 0; i < 5; i++) trail.record({ type: 'health.recovered' });
    expect(seen).toEqual(['daemon.started']);
    expect(trail.recent(10).map((e) => e.seq)).toEqual([5, 6, 7]);
  });
});
