import { describe, expect, it } from 'vitest';
import { allocation as record } from '../../test/helpers/allocation.js';
import type { Allocation } from '../protocol/allocation.js';
import { checksFor, decide, type HealthPolicy, type Observation } from './decide.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const policy: HealthPolicy = { maxFailures: 3, cleanup: true, startupGraceMs: 10_000, httpAction: 'release' };

/** Port 3000 of service web, owned by pid 100, created at T0, unless `over` says otherwise. */
function allocation(over: Partial<Allocation> = {}): Allocation {
  return record(3000, { service: 'web', pid: 100, pidStartTime: 5, createdAt: new Date(T0).toISOString(), ...over });
}

const ok: Observation = { process: 'alive', listening: true, http: null };

describe('decide', () => {
  it.each([
    ['the owner could not be read', { process: 'unknown' }],
    ['the socket tables could not be read', { listening: 'unknown' }],
    ['the HTTP check could not be made', { http: 'unknown' }],
  ] as const)('neither counts nor resets when %s', (_what, change) => {
    const failing = allocation({ health: { failures: 2, status: 'unhealthy', reason: 'not_listening', lastCheckAt: null } });
    const verdict = decide(failing, { ...ok, ...change }, T0 + 20_000, policy);
    expect(verdict).toMatchObject({ outcome: 'unknown', action: 'keep', reason: null, transition: null, changed: false });
    expect(verdict.health).toMatchObject({ failures: 2, status: 'unknown', reason: 'not_listening' });
  });

  it('counts a failure seen for sure even when another check is unknown', () => {
    const verdict = decide(allocation(), { process: 'dead', listening: 'unknown', http: null }, T0 + 20_000, policy);
    expect(verdict).toMatchObject({ outcome: 'failed', reason: 'process_dead', health: { failures: 1 } });
  });

  it.each([
    ['a dead owner', { process: 'dead' }, 'process_dead'],
    ['a zombie owner', { process: 'zombie' }, 'process_dead'],
    ['a reused pid', { process: 'reused' }, 'pid_reused'],
    ['a port nobody listens on', { listening: false }, 'not_listening'],
    ['an unhealthy HTTP check', { http: 'unhealthy' }, 'http_unhealthy'],
  ] as const)('counts %s as a failure with reason %s', (_what, change, reason) => {
    const verdict = decide(allocation(), { ...ok, ...change }, T0 + 20_000, policy);
    expect(verdict).toMatchObject({ action: 'keep', reason, transition: 'unhealthy', health: { failures: 1, status: 'unhealthy', reason } });
  });

  it('releases at max_failures consecutive failures, not before', () => {
    let current = allocation();
    const actions: string[] = [];
    for (let cycle = 0; cycle < 3; cycle++) {
      const verdict = decide(current, { ...ok, process: 'dead' }, T0 + 20_000, policy);
      actions.push(verdict.action);
      current = { ...current, health: verdict.health };
    }
    expect(actions).toEqual(['keep', 'keep', 'release']);
  });

  it('only reports at max_failures when cleanup is off', () => {
    const failing = allocation({ health: { failures: 2, status: 'unhealthy', reason: 'process_dead', lastCheckAt: null } });
    const reported = decide(failing, { ...ok, process: 'dead' }, T0 + 20_000, { ...policy, cleanup: false });
    expect(reported).toMatchObject({ action: 'report', health: { failures: 3 }, changed: true });
    // Further failing cycles keep the verdict without rewriting state.
    expect(decide({ ...failing, health: reported.health }, { ...ok, process: 'dead' }, T0 + 30_000, { ...policy, cleanup: false })).toMatchObject({
      action: 'report', health: { failures: 3 }, changed: false,
    });
  });

  it('resets the count on a good check and reports the recovery', () => {
    const failing = allocation({ health: { failures: 2, status: 'unhealthy', reason: 'not_listening', lastCheckAt: null } });
    expect(decide(failing, ok, T0 + 20_000, policy)).toMatchObject({
      action: 'keep', reason: null, transition: 'recovered', changed: true, health: { failures: 0, status: 'healthy', reason: null },
    });
  });

  it('reports no change for a healthy allocation that stays healthy', () => {
    const healthy = allocation({ health: { failures: 0, status: 'healthy', reason: null, lastCheckAt: null } });
    expect(decide(healthy, ok, T0 + 20_000, policy)).toMatchObject({ changed: false, transition: null });
  });

  it('marks a not-yet-listening allocation inside the grace period as starting', () => {
    expect(decide(allocation(), { process: 'alive', listening: null, http: null }, T0 + 1000, policy)).toMatchObject({
      action: 'keep', health: { status: 'starting', failures: 0 },
    });
  });

  it('inside the grace period, counts nothing listening (or not knowable) as starting, and a listener as healthy', () => {
    for (const listening of [false, 'unknown'] as const) {
      expect(decide(allocation(), { process: 'alive', listening, http: null }, T0 + 1000, policy)).toMatchObject({
        outcome: 'passed', action: 'keep', health: { status: 'starting', failures: 0 },
      });
    }
    expect(decide(allocation(), { process: 'alive', listening: true, http: null }, T0 + 1000, policy)).toMatchObject({ health: { status: 'healthy', failures: 0 } });
  });

  it('classifies a slow HTTP answer as slow, not as a failure', () => {
    expect(decide(allocation(), { ...ok, http: 'slow' }, T0 + 20_000, policy)).toMatchObject({ reason: null, health: { status: 'slow', failures: 0 } });
  });

  it('releases an expired lease at once, whatever the checks say', () => {
    const leased = allocation({ expiresAt: new Date(T0 + 5000).toISOString() });
    expect(decide(leased, ok, T0 + 5000, policy)).toMatchObject({ action: 'release', reason: 'expired' });
    expect(decide(leased, ok, T0 + 4999, policy)).toMatchObject({ action: 'keep' });
  });
});

describe('decide: what max_failures leads to', () => {
  const failingTwice = (reason: string, over: Partial<Allocation> = {}): Allocation =>
    allocation({ healthUrl: 'http://127.0.0.1:3000/health', ...over, health: { failures: 2, status: 'unhealthy', reason, lastCheckAt: null } });
  const httpFails: Observation = { ...ok, http: 'unhealthy' };

  it.each([
    ['report', null, 'report'],
    ['release', null, 'release'],
    ['kill', null, 'kill'],
    ['report', 'kill', 'kill'],
    ['kill', 'report', 'report'],
    ['report', 'release', 'release'],
  ] as const)('a failing health URL: config %s, allocation %s → %s', (configured, own, action) => {
    const verdict = decide(failingTwice('http_unhealthy', { healthAction: own }), httpFails, T0 + 20_000, { ...policy, httpAction: configured });
    expect(verdict).toMatchObject({ action, reason: 'http_unhealthy', health: { failures: 3, status: 'unhealthy' }, reported: action === 'report' });
  });

  it('reports once: a count already at max_failures stays, with no new event and nothing to write', () => {
    const reported = allocation({ healthUrl: 'http://127.0.0.1:3000/health', health: { failures: 3, status: 'unhealthy', reason: 'http_unhealthy', lastCheckAt: null } });
    expect(decide(reported, httpFails, T0 + 20_000, { ...policy, httpAction: 'report' })).toMatchObject({ action: 'report', reported: false, changed: false, transition: null });
  });

  it.each([
    ['a dead owner', { process: 'dead' }, 'process_dead'],
    ['a reused pid', { process: 'reused' }, 'pid_reused'],
    ['a port nobody holds', { listening: false }, 'not_listening'],
  ] as const)('%s is released whatever the health action says', (_what, change, reason) => {
    for (const healthAction of ['report', 'kill'] as const) {
      const verdict = decide(failingTwice(reason, { healthAction }), { ...httpFails, ...change }, T0 + 20_000, { ...policy, httpAction: 'report' });
      expect(verdict).toMatchObject({ action: 'release', reason, reported: false });
    }
  });

  it('an expired lease is released whatever the health action says', () => {
    const leased = allocation({ healthUrl: 'http://127.0.0.1:3000/health', healthAction: 'report', expiresAt: new Date(T0 + 5000).toISOString() });
    expect(decide(leased, httpFails, T0 + 5000, { ...policy, httpAction: 'report' })).toMatchObject({ action: 'release', reason: 'expired' });
  });

  it('with cleanup off, every verdict is only reported, a kill included', () => {
    const verdict = decide(failingTwice('http_unhealthy', { healthAction: 'kill' }), httpFails, T0 + 20_000, { ...policy, cleanup: false });
    expect(verdict).toMatchObject({ action: 'report', reported: true });
    expect(decide(failingTwice('process_dead'), { ...ok, process: 'dead' }, T0 + 20_000, { ...policy, cleanup: false })).toMatchObject({ action: 'report', reported: true });
  });

  it('a reported server that stops listening gets its own max_failures cycles, as a healthy one would', () => {
    let current = allocation({ healthUrl: 'http://127.0.0.1:3000/health', health: { failures: 3, status: 'unhealthy', reason: 'http_unhealthy', lastCheckAt: null } });
    const actions: string[] = [];
    for (let cycle = 0; cycle < 3; cycle++) {
      const verdict = decide(current, { process: 'alive', listening: false, http: 'unhealthy' }, T0 + 20_000, { ...policy, httpAction: 'report' });
      actions.push(`${verdict.action} ${verdict.health.failures}`);
      current = { ...current, health: verdict.health };
    }
    expect(actions).toEqual(['keep 1', 'keep 2', 'release 3']);
  });
});

describe('checksFor', () => {
  it('checks nothing but the lease of a reservation', () => {
    expect(checksFor(allocation({ pid: null }), T0 + 20_000, 10_000)).toEqual({ process: false, listen: false, http: false });
  });

  it('looks for a listener inside the grace period too (only to see it), never with --no-listen-check; HTTP only after it', () => {
    expect(checksFor(allocation(), T0 + 9_999, 10_000)).toEqual({ process: true, listen: true, http: false });
    expect(checksFor(allocation({ listenCheck: false }), T0 + 20_000, 10_000)).toEqual({ process: true, listen: false, http: false });
    expect(checksFor(allocation({ healthUrl: 'http://127.0.0.1:3000/' }), T0 + 20_000, 10_000)).toEqual({ process: true, listen: true, http: true });
  });
});
