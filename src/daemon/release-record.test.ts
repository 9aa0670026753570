import { describe, expect, it } from 'vitest';
import { createReleaseHistory } from '../health/release-history.js';
import { allocation } from '../../test/helpers/allocation.js';
import { createAuditTrail } from './audit.js';
import { createMetrics } from './metrics.js';
import { createReleaseRecorder } from './release-record.js';

function recorder() {
  const clock = { now: () => Date.parse('2026-01-01T00:00:00Z'), monotonic: () => 0 };
  const metrics = createMetrics({ allocations: () => 0, defaults: false });
  const history = createReleaseHistory(() => ({ maxEntries: 10, maxAgeMs: 60_000 }));
  const audit = createAuditTrail({ file: null, clock });
  const logged: object[] = [];
  const record = createReleaseRecorder({ metrics, history, audit, clock, log: { info: (object) => logged.push(object) } });
  return { record, metrics, history, audit, logged, clock };
}

describe('recordRelease', () => {
  it('counts, remembers and audits a release asked for, without calling it a reclaim', async () => {
    const { record, metrics, history, audit, logged, clock } = recorder();
    record(allocation(3000, { service: 'web' }), 'released');
    const text = await metrics.text();
    expect(text).toMatch(/ports_releases_total\{reason="released"\} 1\b/);
    expect(text).not.toMatch(/ports_stale_allocations_cleaned_total\{/);
    expect(history.list(clock.now())).toMatchObject([{ allocation: { port: 3000 }, reason: 'released', failures: 0, releasedAt: '2026-01-01T00:00:00.000Z' }]);
    expect(audit.recent(10)).toMatchObject([{ type: 'allocation.released', reason: 'released', allocation: { port: 3000, service: 'web' } }]);
    expect(audit.recent(10)[0]).not.toHaveProperty('failures');
    expect(logged).toEqual([]);
  });

  it('records a HealthMonitor reclaim with its failure count, as a stale cleanup, and logs it', async () => {
    const { record, metrics, history, audit, logged, clock } = recorder();
    record(allocation(3001), 'not_listening', { failures: 3 });
    const text = await metrics.text();
    expect(text).toMatch(/ports_releases_total\{reason="not_listening"\} 1\b/);
    expect(text).toMatch(/ports_stale_allocations_cleaned_total\{reason="not_listening"\} 1\b/);
    expect(history.list(clock.now())[0]).toMatchObject({ reason: 'not_listening', failures: 3 });
    expect(audit.recent(10)).toMatchObject([{ type: 'allocation.reclaimed', reason: 'not_listening', failures: 3 }]);
    expect(logged).toMatchObject([{ port: 3001, reason: 'not_listening', failures: 3 }]);
  });

  it('marks what a cleanup sweep released, an owner-tag sweep as a release and a dead owner as a reclaim', () => {
    const { record, audit } = recorder();
    record(allocation(3002, { owner: 'ci' }), 'owner', { by: 'cleanup' });
    record(allocation(3003), 'process_dead', { by: 'cleanup' });
    expect(audit.recent(10)).toMatchObject([
      { type: 'allocation.released', reason: 'owner', details: { by: 'cleanup' } },
      { type: 'allocation.reclaimed', reason: 'process_dead', details: { by: 'cleanup' } },
    ]);
  });
});
