import { afterEach, describe, expect, it, vi } from 'vitest';
import { allocation as record } from '../../test/helpers/allocation.js';
import type { Allocation } from '../protocol/allocation.js';
import { memoryStore } from '../../test/helpers/store.js';
import type { ProcessObservation } from './decide.js';
import { createHealthMonitor, type HealthSettings, type MonitorHooks } from './monitor.js';
import { ownerKey, type HealthProbes } from './probes.js';
import type { ListenerStopper, StoppedHolder } from './stop-listeners.js';

afterEach(() => {
  vi.useRealTimers();
});

const T0 = Date.parse('2026-01-01T00:00:00Z');
const settings: HealthSettings = {
  enabled: true, checkIntervalMs: 1000, maxFailures: 3, cleanup: true, startupGraceMs: 0,
  httpTimeoutMs: 100, httpSlowMs: 50, httpExpected: ['2xx'], httpAction: 'release', killTimeoutMs: 1000,
};

/** Service svc-<port> owned by `pid` (none for null), created at T0. */
function allocation(port: number, pid: number | null = 100, over: Partial<Allocation> = {}): Allocation {
  return record(port, { service: `svc-${port}`, pid, pidStartTime: pid === null ? null : 7, createdAt: new Date(T0).toISOString(), ...over });
}

/** An allocation on `port` of pid 100 with a health URL and this action. */
function withHealthUrl(port: number, healthAction: Allocation['healthAction'] = null): Allocation {
  return allocation(port, 100, { healthUrl: `http://127.0.0.1:${port}/health`, healthAction });
}

/** Fake OS: which owners are alive and which ports listen, changeable between cycles. */
function fakeProbes() {
  const state = {
    dead: new Set<number>(),
    listening: new Set<number>(),
    unknownPorts: new Set<number>(),
    unknownOwners: new Set<number>(),
    /** Ports whose health URL answers badly. */
    httpFailing: new Set<number>(),
    processCalls: 0,
    failNext: false,
  };
  const probes: HealthProbes = {
    async processes(owners) {
      state.processCalls++;
      if (state.failNext) {
        state.failNext = false;
        throw new Error('probe exploded');
      }
      return new Map(owners.map((o) => [ownerKey(o.pid, o.startTime), (state.unknownOwners.has(o.pid) ? 'unknown' : state.dead.has(o.pid) ? 'dead' : 'alive') as ProcessObservation]));
    },
    listening: async () => ({ listening: new Set(state.listening), unknown: new Set(state.unknownPorts) }),
    http: async (url) => (state.httpFailing.has(Number(new URL(url).port)) ? 'unhealthy' : 'healthy'),
  };
  return { state, probes };
}

/** A fake OS for the kill action: the owner's listener on each port is pid 9000+port; a stop finishes when the test says. */
function fakeStopper() {
  const stops: Array<{ pids: number[]; signal: AbortSignal; finish(): void }> = [];
  const stopper: ListenerStopper = {
    ownHolders: async (port) => [{ pid: 9000 + port, command: 'node server.js' }],
    stop: (holders, options) =>
      new Promise<StoppedHolder[]>((resolve) => {
        const done = (): void => resolve(holders.map((h) => ({ ...h, signal: 'SIGTERM', exited: !options.signal.aborted, error: null })));
        options.signal.addEventListener('abort', done, { once: true });
        stops.push({ pids: holders.map((h) => h.pid), signal: options.signal, finish: done });
      }),
  };
  return { stopper, stops };
}

async function setup(allocations: Allocation[], over: Partial<HealthSettings> = {}) {
  vi.useFakeTimers({ now: T0 });
  const clock = { now: () => Date.now(), monotonic: () => Date.now() };
  const store = (await memoryStore({ clock: clock })).store;
  for (const a of allocations) store.add(a);
  await store.commit();
  const { state, probes } = fakeProbes();
  const { stopper, stops } = fakeStopper();
  for (const a of allocations) state.listening.add(a.port);
  const events: string[] = [];
  const hooks: MonitorHooks = {
    reclaimed: (a, reason, failures, kill) => events.push(`reclaimed ${a.port} ${reason} ${failures}${kill ? ` after stopping ${kill.stopped.map((s) => s.pid).join(',')}` : ''}`),
    transition: (a, kind, reason) => events.push(`${kind} ${a.port}${reason ? ` ${reason}` : ''}`),
    killing: (a, holders) => events.push(`killing ${a.port} ${holders.map((h) => h.pid).join(',')}`),
    cycle: () => undefined,
  };
  const errors: string[] = [];
  const warnings: string[] = [];
  const monitor = createHealthMonitor({
    store, probes, stopper, clock, settings: () => ({ ...settings, ...over }), hooks,
    log: { info: (_o, m) => warnings.push(`info: ${m}`), warn: (_o, m) => warnings.push(`warn: ${m}`), error: (_o, m) => errors.push(m) },
  });
  return { store, state, monitor, events, errors, warnings, stops };
}

describe('HealthMonitor', () => {
  it('reclaims a dead owner after max_failures cycles, with events in order', async () => {
    const { store, state, monitor, events } = await setup([allocation(3000), allocation(3001, 200)]);
    state.dead.add(100);
    for (let i = 0; i < 3; i++) await monitor.runCycle();
    expect([...store.allocations.keys()]).toEqual([3001]);
    expect(events).toEqual(['unhealthy 3000 process_dead', 'reclaimed 3000 process_dead 3']);
    expect(monitor.statistics()).toMatchObject({ total_allocations: 1, failing_allocations: 0, reclaimed_total: 1, last_cycle: { checked: 2, released: 1 } });
  });

  it('resets the count when the owner comes back to health', async () => {
    const { store, state, monitor, events } = await setup([allocation(3000)]);
    state.listening.clear();
    await monitor.runCycle();
    await monitor.runCycle();
    expect(store.allocations.get(3000)?.health.failures).toBe(2);
    state.listening.add(3000);
    await monitor.runCycle();
    expect(store.allocations.get(3000)?.health).toMatchObject({ failures: 0, status: 'healthy' });
    expect(events).toEqual(['unhealthy 3000 not_listening', 'recovered 3000']);
  });

  it('reports but never releases with cleanup_stale_allocations off', async () => {
    const { store, state, monitor } = await setup([allocation(3000)], { cleanup: false });
    state.dead.add(100);
    for (let i = 0; i < 5; i++) await monitor.runCycle();
    expect(store.allocations.get(3000)?.health).toMatchObject({ failures: 3, reason: 'process_dead' });
    expect(monitor.statistics()).toMatchObject({ failing_allocations: 1, failing_details: [{ port: 3000, failures: 3, reason: 'process_dead' }] });
  });

  it('runs on its interval, never overlapping, and keeps going after a failing cycle', async () => {
    const { state, monitor, errors } = await setup([allocation(3000)]);
    state.failNext = true;
    monitor.start();
    monitor.start(); // idempotent
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual(['health cycle failed; the next one runs as planned']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(state.processCalls).toBe(4);
    const [a, b] = [monitor.runCycle(), monitor.runCycle()];
    expect(a).toBe(b);
    await a;
    await monitor.stop();
    await monitor.stop(); // idempotent
    const calls = state.processCalls;
    await vi.advanceTimersByTimeAsync(5000);
    expect(state.processCalls).toBe(calls);
  });

  it('leaves an allocation alone that a request released or replaced during the cycle', async () => {
    const { store, state, monitor } = await setup([allocation(3000)]);
    state.dead.add(100);
    const original = store.allocations.get(3000);
    const cycle = monitor.runCycle();
    store.remove(3000);
    store.add({ ...allocation(3000, 300) });
    await cycle;
    expect(store.allocations.get(3000)).not.toBe(original);
    expect(store.allocations.get(3000)?.health.failures).toBe(0);
  });

  it('skips checks of reservations and starts a failure count only after the grace period', async () => {
    const { store, state, monitor } = await setup([allocation(3000, null), allocation(3001)], { startupGraceMs: 10_000 });
    state.listening.clear();
    await monitor.runCycle();
    expect(store.allocations.get(3001)?.health).toMatchObject({ failures: 0, status: 'starting' });
    vi.setSystemTime(T0 + 10_000);
    await monitor.runCycle();
    expect(store.allocations.get(3001)?.health).toMatchObject({ failures: 1, reason: 'not_listening' });
    expect(store.allocations.get(3000)?.health.failures).toBe(0);
  });

  it('never counts a check that could not be made: no failure, no reset, one log line per episode', async () => {
    const { store, state, monitor, events, warnings } = await setup([allocation(3000), allocation(3001, 200)]);
    // 3001 has one real failure on record before the daemon runs short of descriptors.
    state.listening.delete(3001);
    await monitor.runCycle();
    expect(store.allocations.get(3001)?.health.failures).toBe(1);
    // Out of descriptors: neither the listen table nor 3000's owner can be read, for many cycles.
    state.unknownPorts.add(3000).add(3001);
    state.unknownOwners.add(100);
    for (let i = 0; i < 6; i++) await monitor.runCycle();
    expect([...store.allocations.keys()]).toEqual([3000, 3001]);
    expect(store.allocations.get(3000)?.health).toMatchObject({ failures: 0, status: 'unknown' });
    expect(store.allocations.get(3001)?.health).toMatchObject({ failures: 1, status: 'unknown', reason: 'not_listening' });
    expect(monitor.statistics().last_cycle).toMatchObject({ checked: 2, healthy: 0, unhealthy: 0, unknown: 2, released: 0 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warn: some health checks could not be made/);
    // Checks possible again: 3001's count goes on from where it was, 3000 is healthy.
    state.unknownPorts.clear();
    state.unknownOwners.clear();
    await monitor.runCycle();
    expect(store.allocations.get(3000)?.health).toMatchObject({ failures: 0, status: 'healthy' });
    expect(store.allocations.get(3001)?.health).toMatchObject({ failures: 2, reason: 'not_listening' });
    expect(warnings).toEqual([expect.stringMatching(/^warn: /), 'info: health checks can be made again']);
    expect(events).toEqual(['unhealthy 3001 not_listening']);
  });

  it('still counts a failure another check saw for sure while one check is unknown', async () => {
    const { store, state, monitor } = await setup([allocation(3000)]);
    state.dead.add(100);
    state.unknownPorts.add(3000);
    for (let i = 0; i < 3; i++) await monitor.runCycle();
    expect(store.allocations.has(3000)).toBe(false);
  });

  describe('a failing health URL while the owner lives and the port is held', () => {
    it('report (the default): marks it unhealthy once, keeps it, and counts a recovery', async () => {
      const { store, state, monitor, events } = await setup([withHealthUrl(3000)], { httpAction: 'report' });
      state.httpFailing.add(3000);
      for (let i = 0; i < 6; i++) await monitor.runCycle();
      expect(store.allocations.get(3000)?.health).toMatchObject({ failures: 3, status: 'unhealthy', reason: 'http_unhealthy' });
      expect(events).toEqual(['unhealthy 3000 http_unhealthy', 'reported 3000 http_unhealthy']);
      expect(monitor.statistics()).toMatchObject({ failing_allocations: 1, reclaimed_total: 0 });
      state.httpFailing.delete(3000);
      await monitor.runCycle();
      expect(store.allocations.get(3000)?.health).toMatchObject({ failures: 0, status: 'healthy' });
      expect(events.at(-1)).toBe('recovered 3000');
    });

    it('release: releases it, as a dead owner would be', async () => {
      const { store, state, monitor, events } = await setup([withHealthUrl(3000)], { httpAction: 'report' });
      store.replace(withHealthUrl(3000, 'release'));
      state.httpFailing.add(3000);
      for (let i = 0; i < 3; i++) await monitor.runCycle();
      expect(store.allocations.has(3000)).toBe(false);
      expect(events).toEqual(['unhealthy 3000 http_unhealthy', 'reclaimed 3000 http_unhealthy 3']);
    });

    it('kill: stops the owner\'s listener once, leaves the allocation to the kill, then releases it', async () => {
      const { store, state, monitor, events, stops } = await setup([withHealthUrl(3000), withHealthUrl(3001)], { httpAction: 'kill' });
      state.httpFailing.add(3000);
      for (let i = 0; i < 3; i++) await monitor.runCycle();
      await vi.waitFor(() => expect(stops).toHaveLength(1));
      expect(stops[0]?.pids).toEqual([12000]);
      // Cycles while the server is being stopped leave it alone: no second kill, no other verdict.
      state.dead.add(100);
      for (let i = 0; i < 3; i++) await monitor.runCycle();
      expect(stops).toHaveLength(1);
      expect(store.allocations.has(3000)).toBe(true);
      stops[0]?.finish();
      await vi.waitFor(() => expect(store.allocations.has(3000)).toBe(false));
      expect(events).toEqual(['unhealthy 3000 http_unhealthy', 'killing 3000 12000', 'unhealthy 3001 process_dead', 'reclaimed 3001 process_dead 3', 'reclaimed 3000 http_unhealthy 3 after stopping 12000']);
      expect(monitor.statistics().reclaimed_total).toBe(2);
    });

    it('kill: releases nothing the owner released meanwhile, and nothing once the monitor stops', async () => {
      const { store, state, monitor, events, stops } = await setup([withHealthUrl(3000), withHealthUrl(3001)], { httpAction: 'kill' });
      state.httpFailing.add(3000).add(3001);
      for (let i = 0; i < 3; i++) await monitor.runCycle();
      await vi.waitFor(() => expect(stops).toHaveLength(2));
      // 3000's owner releases it when its server exits, before the kill is over.
      store.remove(3000);
      await store.commit();
      stops[0]?.finish();
      // 3001: the daemon stops while SIGTERM is still being waited on.
      await monitor.stop();
      expect(stops[1]?.signal.aborted).toBe(true);
      expect(store.allocations.has(3001)).toBe(true);
      expect(events.filter((e) => e.startsWith('reclaimed'))).toEqual([]);
    });

    it('anything else than the health URL still releases; cleanup off reports everything', async () => {
      const { store, state, monitor, events } = await setup([withHealthUrl(3000, 'report'), withHealthUrl(3001, 'kill')], { cleanup: false });
      state.httpFailing.add(3000).add(3001);
      for (let i = 0; i < 3; i++) await monitor.runCycle();
      expect([...store.allocations.keys()]).toEqual([3000, 3001]);
      expect(events).toContain('reported 3001 http_unhealthy');
      expect(events).not.toContain(expect.stringMatching(/^killing/));
    });
  });
});
