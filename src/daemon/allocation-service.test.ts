import { describe, expect, it } from 'vitest';
import { workerThreadId } from '../../test/helpers/threads.js';
import type { Allocation } from '../protocol/allocation.js';
import { systemClock } from '../shared/clock.js';
import { memoryStore } from '../../test/helpers/store.js';
import type { Listener } from '../system/listeners.js';
import type { PortHolderLookup, PortHolders } from '../system/port-holders.js';
import type { PortProbe } from '../system/port-probe.js';
import { procInspector } from '../system/process-info.js';
import { createAllocationService } from './allocation-service.js';

const NOBODY: PortHolderLookup = async () => ({ inTree: [], others: [] });

async function service(busy: ReadonlySet<number> = new Set(), options: { holders?: PortHolderLookup; probe?: PortProbe; maxAllocationsPerOwner?: number } = {}) {
  const store = (await memoryStore({ clock: systemClock })).store;
  const created: Array<{ allocation: Allocation; adopted: Listener | null }> = [];
  const allocations = createAllocationService({
    store,
    settings: () => ({
      policy: { types: { dev: { start: 3000, end: 3099 } }, defaultType: 'dev', exclusions: [], ephemeral: null, skipBrowserUnsafe: false },
      maxAllocationsPerOwner: options.maxAllocationsPerOwner ?? 100,
    }),
    probe: options.probe ?? { isFree: async (port) => !busy.has(port) },
    processes: procInspector,
    holders: options.holders ?? NOBODY,
    clock: systemClock,
    onAllocated: (allocation, adopted) => created.push({ allocation, adopted }),
  });
  return { store, allocations, created };
}

const params = { service: 'web', pid: process.pid };

describe('allocation service: the alwaysNew option', () => {
  it('without it, the same service and pid get their existing allocation back', async () => {
    const { allocations } = await service();
    const first = await allocations.allocate(params);
    expect(await allocations.allocate(params)).toMatchObject({ existing: true, allocation: { port: first.allocation.port } });
  });

  it('with it, the same service and pid get a new port on every request', async () => {
    const { store, allocations } = await service();
    const results = [
      await allocations.allocate(params, { alwaysNew: true }),
      await allocations.allocate(params, { alwaysNew: true }),
      await allocations.allocate(params, { alwaysNew: true }),
    ];
    expect(results.map((r) => r.existing)).toEqual([false, false, false]);
    expect(results.map((r) => r.allocation.port)).toEqual([3000, 3001, 3002]);
    expect([...store.allocations.values()].every((a) => a.service === 'web' && a.pid === process.pid)).toBe(true);
  });

  it("with it, the service's sticky port is not offered first", async () => {
    const { allocations } = await service();
    const { allocation } = await allocations.allocate(params);
    await allocations.release({ ports: [allocation.port] });
    expect((await allocations.allocate(params, { alwaysNew: true })).allocation.port).not.toBe(allocation.port);
  });
});

describe('allocation service: owner pids', () => {
  it('refuses a thread id, naming the process to give instead', async () => {
    const tid = await workerThreadId();
    const { allocations } = await service();
    await expect(allocations.allocate({ service: 'web', pid: tid })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      message: `Owner pid ${tid} is a thread of process ${process.pid}, not a process; give the process id (${process.pid})`,
    });
  });
});

describe('allocation service: preferred and excluded ports', () => {
  it('takes the first preferred port that is neither allocated nor in use', async () => {
    const { allocations } = await service(new Set([3050]));
    await allocations.allocate({ port: 3051, pid: null });
    const result = await allocations.allocate({ pid: process.pid, preferred: [3050, 3051, 3052, 3053] });
    expect(result).toMatchObject({ existing: false, allocation: { port: 3052, type: 'dev' } });
  });

  it('falls back to the normal search when no preferred port is free, skipping excluded ports', async () => {
    const { allocations } = await service(new Set([3050]));
    const result = await allocations.allocate({ pid: process.pid, preferred: [3050], exclude: [3000, 3001] });
    expect(result.allocation.port).toBe(3002);
  });

  it('says which preferred ports were taken when the search finds nothing either', async () => {
    const { allocations } = await service(new Set([3000, 9000]));
    await expect(allocations.allocate({ pid: process.pid, preferred: [9000], range: { start: 3000, end: 3001 }, exclude: [3001] })).rejects.toMatchObject({
      code: 'E_NO_FREE_PORT',
      message:
        'Preferred port 9000 taken, and no free port in range 3000-3001: 0 allocated, 1 in use by other processes, 1 excluded (ephemeral, browser-unsafe, configured or asked), 0 free',
    });
  });

  it('gives each of many no-name requests from one process a new port', async () => {
    const { allocations } = await service();
    const ports = [];
    for (let i = 0; i < 3; i++) ports.push((await allocations.allocate({ pid: process.pid, preferred: [3000] })).allocation.port);
    expect(ports).toEqual([3000, 3001, 3002]);
  });
});

describe('allocation service: an exact port that is already in use', () => {
  const listener = (pid: number | null, command: string | null = 'node server.js'): Listener => ({ port: 3050, inode: 1, protocol: 'tcp', pid, command });
  /** A holder lookup that answers `holders` and remembers what it was asked. */
  const lookup = (holders: PortHolders) => {
    const asked: Array<[number, number | null]> = [];
    const find: PortHolderLookup = async (port, owner) => {
      asked.push([port, owner]);
      return holders;
    };
    return { find, asked };
  };

  it('adopts it when the owner itself listens there, and tells onAllocated which listener', async () => {
    const holders = lookup({ inTree: [listener(process.pid)], others: [] });
    const { allocations, store, created } = await service(new Set([3050]), { holders: holders.find });
    const result = await allocations.allocate({ service: 'web', port: 3050, pid: process.pid });
    expect(result).toMatchObject({ existing: false, adopted: true, sticky: false, allocation: { port: 3050, service: 'web', pid: process.pid, type: 'dev' } });
    expect(holders.asked).toEqual([[3050, process.pid]]);
    expect(store.allocations.get(3050)?.pid).toBe(process.pid);
    expect(created).toEqual([{ allocation: result.allocation, adopted: listener(process.pid) }]);
  });

  it("names the owner's own listener rather than another of its tree", async () => {
    const child = listener(process.pid + 1, 'node worker.js');
    const { allocations, created } = await service(new Set([3050]), { holders: lookup({ inTree: [child, listener(process.pid)], others: [] }).find });
    await allocations.allocate({ port: 3050, pid: process.pid });
    expect(created[0]?.adopted).toEqual(listener(process.pid));
  });

  it('answers a repeat of an adopting request with the existing allocation, not adopted again', async () => {
    const holders = lookup({ inTree: [listener(process.pid)], others: [] });
    const { allocations } = await service(new Set([3050]), { holders: holders.find });
    await allocations.allocate({ service: 'web', port: 3050, pid: process.pid });
    expect(await allocations.allocate({ service: 'web', port: 3050, pid: process.pid })).toMatchObject({ existing: true, adopted: false });
    expect(holders.asked).toHaveLength(1);
  });

  it('is not adopted when another process holds it too, and the conflict names that one', async () => {
    const { allocations, store } = await service(new Set([3050]), {
      holders: lookup({ inTree: [listener(process.pid)], others: [listener(4242, 'python3 -m http.server 3050')] }).find,
    });
    await expect(allocations.allocate({ service: 'web', port: 3050, pid: process.pid })).rejects.toMatchObject({
      code: 'E_CONFLICT',
      message: 'Port 3050 is in use by pid 4242 (python3 -m http.server 3050)',
      details: { port: 3050, holders: [{ pid: 4242, command: 'python3 -m http.server 3050' }] },
    });
    expect(store.allocations.size).toBe(0);
  });

  it('never adopts for a reservation: the holders are looked up only to be named', async () => {
    const holders = lookup({ inTree: [], others: [listener(4242)] });
    const { allocations } = await service(new Set([3050]), { holders: holders.find });
    await expect(allocations.allocate({ service: 'web', port: 3050, pid: null })).rejects.toMatchObject({
      code: 'E_CONFLICT',
      message: 'Port 3050 is in use by pid 4242 (node server.js)',
    });
    expect(holders.asked).toEqual([[3050, null]]);
  });

  it('keeps the plain wording when nobody is found holding it', async () => {
    const { allocations } = await service(new Set([3050]));
    await expect(allocations.allocate({ port: 3050, pid: process.pid })).rejects.toMatchObject({
      code: 'E_CONFLICT',
      message: 'Port 3050 is in use by another process',
      details: { port: 3050, holders: [] },
    });
  });

  it('still counts an adopted port against the owner tag limit', async () => {
    const { allocations } = await service(new Set([3050]), { holders: lookup({ inTree: [listener(process.pid)], others: [] }).find, maxAllocationsPerOwner: 1 });
    await allocations.allocate({ pid: process.pid, owner: 'job-1' });
    await expect(allocations.allocate({ port: 3050, pid: process.pid, owner: 'job-1' })).rejects.toMatchObject({ code: 'E_LIMIT' });
  });

  it('does not look for holders while another request of ours is bind-testing the port', async () => {
    let release = (): void => undefined;
    let started = (): void => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const probing = new Promise<void>((resolve) => (started = resolve));
    const probe: PortProbe = {
      isFree: async () => {
        started();
        await slow;
        return true;
      },
    };
    const holders = lookup({ inTree: [listener(process.pid)], others: [] });
    const { allocations } = await service(new Set(), { holders: holders.find, probe });
    const first = allocations.allocate({ service: 'a', port: 3050, pid: process.pid });
    await probing;
    await expect(allocations.allocate({ service: 'b', port: 3050, pid: process.pid })).rejects.toMatchObject({
      code: 'E_CONFLICT',
      message: 'Port 3050 is in use by another process',
    });
    release();
    expect(await first).toMatchObject({ adopted: false, allocation: { service: 'a' } });
    expect(holders.asked).toEqual([]);
  });
});
