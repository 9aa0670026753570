import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import type { AuditEvent } from '../protocol/events.js';
import { createAuditFile, createAuditTrail } from './audit.js';

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

  it('refuses a symlink at audit.log, naming it, and leaves the target alone', () => {
    const dir = useTempDir();
    const target = join(dir, 'target');
    writeFileSync(target, 'untouched\n', { mode: 0o640 });
    symlinkSync(target, join(dir, 'audit.log'));
    expect(() => createAuditFile({ path: join(dir, 'audit.log'), maxBytes: 4096, keepFiles: 2 })).toThrow(
      expect.objectContaining({ code: 'E_PATH', message: `${join(dir, 'audit.log')} is a symbolic link; portkeeper does not write through links: remove it` }),
    );
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
    expect(statSync(target).mode & 0o777).toBe(0o640);
  });

  it('never writes through a link swapped in at audit.log while running: rotation moves the link aside as a link', async () => {
    const dir = useTempDir();
    const path = join(dir, 'audit.log');
    const target = join(dir, 'target');
    writeFileSync(target, 'untouched\n');
    const trail = createAuditTrail({ file: createAuditFile({ path, maxBytes: 4096, keepFiles: 2 }), clock });
    trail.record({ type: 'daemon.started' });
    await new Promise((resolve) => setImmediate(resolve));
    renameSync(path, join(dir, 'moved.log'));
    symlinkSync(target, path);
    for (let i = 0; i < 200; i++) trail.record({ type: 'health.recovered' });
    await trail.close();
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readEvents(path).at(-1)?.seq).toBe(201);
  });

  it('reports a file that stops being writable once, and the daemon goes on', async () => {
    const dir = useTempDir();
    const path = join(dir, 'audit.log');
    // A non-empty folder where the rotation must put audit.log.1: the rename fails.
    mkdirSync(join(dir, 'audit.log.1', 'x'), { recursive: true });
    const errors: Error[] = [];
    const trail = createAuditTrail({ file: createAuditFile({ path, maxBytes: 4096, keepFiles: 1, onError: (error) => errors.push(error) }), clock });
    for (let i = 0; i < 200; i++) trail.record({ type: 'health.recovered' });
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 200; i++) trail.record({ type: 'health.recovered' });
    await trail.close();
    expect(errors).toHaveLength(1);
    expect(trail.recent(1)[0]?.seq).toBe(400);
  });
});
