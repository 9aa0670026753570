import { describe, expect, it } from 'vitest';
import { workerThreadId } from '../../test/helpers/threads.js';
import { systemClock } from '../shared/clock.js';
import { memoryStore } from '../../test/helpers/store.js';
import { procInspector } from '../system/process-info.js';
import { createAllocationService } from './allocation-service.js';

async function service(busy: ReadonlySet<number> = new Set()) {
  const store = (await memoryStore({ clock: systemClock })).store;
  const allocations = createAllocationService({
    store,
    settings: () => ({
      policy: { types: { dev: { start: 3000, end: 3099 } }, defaultType: 'dev', exclusions: [], ephemeral: null, skipBrowserUnsafe: false },
      maxAllocationsPerOwner: 100,
    }),
    probe: { isFree: async (port) => !busy.has(port) },
    processes: procInspector,
    clock: systemClock,
  });
  return { store, allocations };
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
