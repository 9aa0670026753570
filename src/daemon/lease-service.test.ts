import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { allocation } from '../../test/helpers/allocation.js';
import { startSleeper, zombiePid } from '../../test/helpers/processes.js';
import { memoryStore } from '../../test/helpers/store.js';
import { workerThreadId } from '../../test/helpers/threads.js';
import type { Allocation } from '../protocol/allocation.js';
import type { Clock } from '../shared/clock.js';
import { loadState } from '../state/load.js';
import { createMemoryStorage, type MemoryStorage } from '../state/storage-memory.js';
import { createSystemProbes } from '../health/probes.js';
import { createProcInspector } from '../system/process-info.js';
import { createLeaseService } from './lease-service.js';

/**
 * The lease service over a real state store (in-memory files), the real /proc inspector and
 * probes, and real processes; only the wall clock is fake, since leases are pure date arithmetic.
 */
const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

/** The one place that builds the service: a signature change is fixed here. */
async function leases(held: Allocation[] = []) {
  let now = T0;
  const clock: Clock = { now: () => now, monotonic: () => now };
  const { store, storage } = await memoryStore({ clock });
  for (const a of held) store.add(a);
  await store.commit();
  const swept: string[] = [];
  const processes = createProcInspector();
  const service = createLeaseService({
    store,
    processes,
    probes: createSystemProbes(),
    clock,
    onSwept: (a, reason) => swept.push(`${a.port} ${reason}`),
  });
  const setNow = (ms: number): void => void (now = ms);
  return { service, store, storage, swept, setNow, processes };
}

/** The allocations a restart would load from these files. */
async function durable(storage: MemoryStorage): Promise<ReadonlyMap<number, Allocation>> {
  const copy = createMemoryStorage(Object.fromEntries(storage.files));
  return (await loadState(copy, { clock: { now: () => T0, monotonic: () => 0 }, stickyMax: 10_000, readOnly: true })).table.allocations;
}

/** This test process as an owner: pid and /proc start time. */
async function me(): Promise<{ pid: number; pidStartTime: number | null }> {
  return { pid: process.pid, pidStartTime: (await createProcInspector().inspect(process.pid))?.startTime ?? null };
}

/** A pid whose process has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 0;
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });

describe('lease service: transfer', () => {
  it('hands the allocation to the new process with its start time, command and folder, durably', async () => {
    const owner = await me();
    const { service, store, storage } = await leases([allocation(3000, { service: 'web', ...owner, command: 'ports run', cwd: '/' })]);
    const child = await startSleeper();
    const pid = child.pid ?? 0;
    const startTime = (await createProcInspector().inspect(pid))?.startTime ?? 0;
    expect(startTime).toBeGreaterThan(0);

    const { allocation: moved } = await service.transfer({ port: 3000, fromPid: process.pid, toPid: pid, toPidStartTime: startTime });

    expect(moved).toMatchObject({ port: 3000, service: 'web', pid, pidStartTime: startTime, cwd: process.cwd(), command: expect.stringContaining('sleeper.mjs') });
    expect(store.allocations.get(3000)).toEqual(moved);
    expect((await durable(storage)).get(3000)).toMatchObject({ pid, pidStartTime: startTime });
  });

  it('refuses a port that is not allocated (E_NOT_FOUND)', async () => {
    const { service } = await leases();
    await expect(service.transfer({ port: 3000, fromPid: process.pid, toPid: process.pid })).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
      message: 'Port 3000 is not allocated',
    });
  });

  it.each([
    ['another process', 4242, 'Port 3000 is owned by pid 4242, not 1'],
    ['no process (a reservation)', null, 'Port 3000 is owned by pid none, not 1'],
  ])('refuses when the port is owned by %s, not the one handing it over (E_CONFLICT)', async (_what, pid, message) => {
    const { service, store } = await leases([allocation(3000, { pid })]);
    await expect(service.transfer({ port: 3000, fromPid: 1, toPid: process.pid })).rejects.toMatchObject({ code: 'E_CONFLICT', message, details: { port: 3000, pid } });
    expect(store.allocations.get(3000)?.pid).toBe(pid);
  });

  it('refuses a new owner that has exited, or is a zombie (E_NO_SUCH_PROCESS)', async () => {
    const { service, store } = await leases([allocation(3000, await me())]);
    const dead = await deadPid();
    await expect(service.transfer({ port: 3000, fromPid: process.pid, toPid: dead })).rejects.toMatchObject({
      code: 'E_NO_SUCH_PROCESS',
      message: `Owner pid ${dead} is not a running process`,
    });
    const zombie = await zombiePid();
    await expect(service.transfer({ port: 3000, fromPid: process.pid, toPid: zombie })).rejects.toMatchObject({
      code: 'E_NO_SUCH_PROCESS',
      message: `Owner pid ${zombie} is not a running process (a zombie)`,
    });
    expect(store.allocations.get(3000)?.pid).toBe(process.pid);
  });

  it('refuses a thread id as the new owner, naming its process (E_INVALID_REQUEST)', async () => {
    const { service } = await leases([allocation(3000, await me())]);
    const tid = await workerThreadId();
    await expect(service.transfer({ port: 3000, fromPid: process.pid, toPid: tid })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      message: `Owner pid ${tid} is a thread of process ${process.pid}, not a process; give the process id (${process.pid})`,
    });
  });

  it('refuses a new owner whose start time is not the one expected (the pid went to another process)', async () => {
    const { service, store } = await leases([allocation(3000, await me())]);
    const child = await startSleeper();
    const pid = child.pid ?? 0;
    const startTime = (await createProcInspector().inspect(pid))?.startTime ?? 0;
    await expect(service.transfer({ port: 3000, fromPid: process.pid, toPid: pid, toPidStartTime: startTime + 1 })).rejects.toMatchObject({
      code: 'E_NO_SUCH_PROCESS',
      message: `pid ${pid} is a different process than expected (start time differs)`,
    });
    expect(store.allocations.get(3000)?.pid).toBe(process.pid);
  });

  it('refuses when the allocation changed while the new owner was looked at, so only what was checked is handed over', async () => {
    const { service, store } = await leases([allocation(3000, { ...(await me()), service: 'web' })]);
    const child = await startSleeper();
    const transfer = service.transfer({ port: 3000, fromPid: process.pid, toPid: child.pid ?? 0 });
    // Another request changes the allocation while the transfer awaits /proc.
    const renamed = { ...(store.allocations.get(3000) as Allocation), service: 'api' };
    store.replace(renamed);
    await expect(transfer).rejects.toMatchObject({ code: 'E_CONFLICT', message: 'Port 3000 changed while being transferred; retry' });
    expect(store.allocations.get(3000)).toBe(renamed);
  });

  it('answers with the error and keeps the old owner when the change cannot be made durable', async () => {
    const { service, store, storage } = await leases([allocation(3000, await me())]);
    const child = await startSleeper();
    storage.failNext('append', enospc());
    await expect(service.transfer({ port: 3000, fromPid: process.pid, toPid: child.pid ?? 0 })).rejects.toMatchObject({ code: 'E_STATE' });
    expect(store.allocations.get(3000)?.pid).toBe(process.pid);
    expect((await durable(storage)).get(3000)?.pid).toBe(process.pid);
  });
});

describe('lease service: renew', () => {
  const leased = (port: number, over: Partial<Allocation> = {}) => allocation(port, { ttlMs: 60_000, expiresAt: iso(T0 + 1000), ...over });

  it('extends the named ports by their own ttl from now, durably', async () => {
    const { service, store, storage, setNow } = await leases([leased(3000), leased(3001, { ttlMs: 5000 }), leased(3002)]);
    setNow(T0 + 500);
    const { renewed } = await service.renew({ ports: [3000, 3001] });
    expect(renewed.map((a) => [a.port, a.ttlMs, a.expiresAt])).toEqual([
      [3000, 60_000, iso(T0 + 60_500)],
      [3001, 5000, iso(T0 + 5500)],
    ]);
    expect(store.allocations.get(3002)?.expiresAt).toBe(iso(T0 + 1000));
    const saved = await durable(storage);
    expect([3000, 3001, 3002].map((port) => saved.get(port)?.expiresAt)).toEqual([iso(T0 + 60_500), iso(T0 + 5500), iso(T0 + 1000)]);
  });

  it('renews every port of a service with a new ttl, which it keeps', async () => {
    const { service, store } = await leases([leased(3000, { service: 'web' }), leased(3001, { service: 'web' }), leased(3002, { service: 'db' })]);
    const { renewed } = await service.renew({ service: 'web', ttlMs: 2000 });
    expect(renewed.map((a) => a.port)).toEqual([3000, 3001]);
    expect(store.allocations.get(3001)).toMatchObject({ ttlMs: 2000, expiresAt: iso(T0 + 2000) });
    expect(store.allocations.get(3002)).toMatchObject({ ttlMs: 60_000, expiresAt: iso(T0 + 1000) });
  });

  it('takes only what matches both the ports and the service when given both', async () => {
    const { service } = await leases([leased(3000, { service: 'web' }), leased(3001, { service: 'db' })]);
    expect((await service.renew({ ports: [3000, 3001], service: 'db' })).renewed.map((a) => a.port)).toEqual([3001]);
  });

  it('says nothing matches (E_NOT_FOUND)', async () => {
    const { service } = await leases([leased(3000, { service: 'web' })]);
    await expect(service.renew({ service: 'db' })).rejects.toMatchObject({ code: 'E_NOT_FOUND', message: 'Nothing to renew: no allocation matches' });
    await expect(service.renew({ ports: [3001] })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('refuses an allocation without a lease unless a ttl is given, and then renews none of them', async () => {
    const { service, store } = await leases([leased(3000, { service: 'web' }), allocation(3001, { service: 'web' })]);
    await expect(service.renew({ service: 'web' })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      message: 'Port 3001 has no lease to renew; give a ttl',
      details: { port: 3001 },
    });
    expect(store.allocations.get(3000)?.expiresAt).toBe(iso(T0 + 1000));
    // With a ttl, the reservation gets a lease.
    await service.renew({ service: 'web', ttlMs: 3000 });
    expect(store.allocations.get(3001)).toMatchObject({ ttlMs: 3000, expiresAt: iso(T0 + 3000) });
  });
  it('answers with the error and keeps the old lease when the change cannot be made durable', async () => {
    const { service, store, storage } = await leases([leased(3000)]);
    storage.failNext('append', enospc());
    await expect(service.renew({ ports: [3000], ttlMs: 5000 })).rejects.toMatchObject({ code: 'E_STATE' });
    expect(store.allocations.get(3000)).toMatchObject({ ttlMs: 60_000, expiresAt: iso(T0 + 1000) });
  });
});

describe('lease service: cleanup of one owner tag', () => {
  it('releases every allocation of the owner, whatever its process, and reports each once durable', async () => {
    const { service, store, storage, swept } = await leases([
      allocation(3000, { owner: 'job-1', ...(await me()) }),
      allocation(3001, { owner: 'job-1' }),
      allocation(3002, { owner: 'job-2' }),
    ]);
    const result = await service.cleanup({ owner: 'job-1' });
    expect(result).toEqual({ dryRun: false, entries: [expect.objectContaining({ reason: 'owner', action: 'released' }), expect.objectContaining({ reason: 'owner', action: 'released' })] });
    expect(result.entries.map((e) => e.allocation.port)).toEqual([3000, 3001]);
    expect(swept).toEqual(['3000 owner', '3001 owner']);
    expect([...store.allocations.keys()]).toEqual([3002]);
    expect([...(await durable(storage)).keys()]).toEqual([3002]);
  });

  it('with dryRun, says what it would release and changes nothing', async () => {
    const { service, store, storage, swept } = await leases([allocation(3000, { owner: 'job-1' })]);
    const appends = storage.counts.appends;
    expect(await service.cleanup({ owner: 'job-1', dryRun: true })).toEqual({
      dryRun: true,
      entries: [{ allocation: store.allocations.get(3000), reason: 'owner', action: 'would_release' }],
    });
    expect(store.allocations.size).toBe(1);
    expect(storage.counts.appends).toBe(appends);
    expect(swept).toEqual([]);
  });
});

describe('lease service: the sweep', () => {
  it('releases expired leases and dead, zombie and reused owners, and keeps live owners and open reservations', async () => {
    const owner = await me();
    const dead = await deadPid();
    const zombie = await zombiePid();
    const { service, store, storage, swept, setNow } = await leases([
      allocation(3000, { ...owner, service: 'alive' }),
      allocation(3001, { pid: dead, pidStartTime: 1, service: 'dead' }),
      allocation(3002, { pid: zombie, service: 'zombie' }),
      allocation(3003, { pid: process.pid, pidStartTime: (owner.pidStartTime ?? 0) + 1, service: 'reused' }),
      allocation(3004, { service: 'expired', ttlMs: 1000, expiresAt: iso(T0 + 1000) }),
      // Expired is the reason even when its owner is gone too.
      allocation(3005, { pid: dead, service: 'expired-and-dead', ttlMs: 1000, expiresAt: iso(T0 + 999) }),
      allocation(3006, { service: 'leased', ttlMs: 1000, expiresAt: iso(T0 + 1001) }),
      allocation(3007, { service: 'reservation' }),
    ]);
    setNow(T0 + 1000);
    const result = await service.cleanup({});
    expect(result.dryRun).toBe(false);
    expect(result.entries.map((e) => `${e.allocation.port} ${e.reason} ${e.action}`)).toEqual([
      '3001 process_dead released',
      '3002 process_dead released',
      '3003 pid_reused released',
      '3004 expired released',
      '3005 expired released',
    ]);
    expect(swept).toEqual(['3001 process_dead', '3002 process_dead', '3003 pid_reused', '3004 expired', '3005 expired']);
    expect([...store.allocations.keys()]).toEqual([3000, 3006, 3007]);
    expect([...(await durable(storage)).keys()]).toEqual([3000, 3006, 3007]);
  });

  it('finds nothing to do without writing anything', async () => {
    const { service, storage, swept } = await leases([allocation(3000, await me()), allocation(3001)]);
    const appends = storage.counts.appends;
    expect(await service.cleanup({})).toEqual({ entries: [], dryRun: false });
    expect(storage.counts.appends).toBe(appends);
    expect(swept).toEqual([]);
  });

  it('with dryRun, reports the dead owner and releases nothing', async () => {
    const { service, store, swept } = await leases([allocation(3000, { pid: await deadPid() })]);
    const { entries, dryRun } = await service.cleanup({ dryRun: true });
    expect(dryRun).toBe(true);
    expect(entries).toEqual([expect.objectContaining({ reason: 'process_dead', action: 'would_release' })]);
    expect(store.allocations.has(3000)).toBe(true);
    expect(swept).toEqual([]);
  });

  it('leaves an allocation that changed while the owners were probed (a request got there first)', async () => {
    const dead = await deadPid();
    const owner = await me();
    const { service, store, swept } = await leases([allocation(3000, { pid: dead }), allocation(3001, { pid: dead })]);
    const handed = { ...(store.allocations.get(3000) as Allocation), ...owner };
    const cleanup = service.cleanup({});
    // Handed to a live process while the sweep awaits the probes.
    store.replace(handed);
    const { entries } = await cleanup;
    expect(entries.map((e) => e.allocation.port)).toEqual([3001]);
    expect(store.allocations.get(3000)).toBe(handed);
    expect(swept).toEqual(['3001 process_dead']);
  });

  it('answers with the error, releases nothing and reports nothing when the release cannot be made durable', async () => {
    const { service, store, storage, swept } = await leases([allocation(3000, { pid: await deadPid() })]);
    storage.failNext('append', enospc());
    await expect(service.cleanup({})).rejects.toMatchObject({ code: 'E_STATE' });
    expect(store.allocations.has(3000)).toBe(true);
    expect(swept).toEqual([]);
  });
});
