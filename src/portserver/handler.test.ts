import { describe, expect, it } from 'vitest';
import type { PortPolicy } from '../allocator/policy.js';
import { createAllocationService, type AllocationService } from '../daemon/allocation-service.js';
import { portserverAllocator } from '../daemon/portserver-allocator.js';
import { PortsError } from '../errors.js';
import { systemClock } from '../shared/clock.js';
import { memoryStore } from '../../test/helpers/store.js';
import { procInspector, type ProcessInspector } from '../system/process-info.js';
import { createPortserverHandler, type PortserverPool } from './handler.js';

const TEST_RANGE = { start: 20000, end: 20002 };
const request = (text: string) => Buffer.from(text);
const self = () => request(`${process.pid}\n`);

async function setup(options: { pool?: PortserverPool; busy?: number[]; processes?: ProcessInspector; allocations?: AllocationService } = {}) {
  const store = (await memoryStore({ clock: systemClock })).store;
  const policy: PortPolicy = {
    types: { dev: { start: 3000, end: 3099 }, test: TEST_RANGE },
    defaultType: 'dev',
    exclusions: [],
    ephemeral: null,
    skipBrowserUnsafe: false,
  };
  const busy = new Set(options.busy ?? []);
  const allocations =
    options.allocations ??
    createAllocationService({
      store,
      settings: () => ({ policy, maxAllocationsPerOwner: 100 }),
      probe: { isFree: async (port) => !busy.has(port) },
      processes: options.processes ?? procInspector,
      holders: async () => ({ inTree: [], others: [] }),
      clock: systemClock,
    });
  const handle = createPortserverHandler({
    allocator: portserverAllocator(allocations),
    processes: options.processes ?? procInspector,
    pool: options.pool ?? { type: 'test' },
  });
  return { store, handle };
}

describe('portserver handler', () => {
  it('gives each request of one process its own port, owned by that pid, with no listen check', async () => {
    const { store, handle } = await setup();
    const outcomes = [await handle(self()), await handle(self()), await handle(self())];
    expect(outcomes.map((o) => o.result)).toEqual(['allocated', 'allocated', 'allocated']);
    const ports = outcomes.map((o) => (o.result === 'allocated' ? o.port : 0));
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      expect(store.allocations.get(port)).toMatchObject({
        service: 'portpicker',
        type: 'test',
        pid: process.pid,
        pidStartTime: expect.any(Number),
        listenCheck: false,
        expiresAt: null,
        command: expect.any(String),
      });
    }
  });

  it('takes ports from an explicit range when one is configured', async () => {
    const { store, handle } = await setup({ pool: { range: { start: 30500, end: 30500 } } });
    expect(await handle(self())).toMatchObject({ result: 'allocated', port: 30500 });
    expect(store.allocations.get(30500)).toMatchObject({ service: 'portpicker', type: null });
    expect(await handle(self())).toMatchObject({ result: 'exhausted', pid: process.pid, message: expect.stringContaining('range 30500-30500') });
  });

  it('skips ports the OS holds, and reports exhaustion once the pool is used up', async () => {
    const { handle } = await setup({ busy: [20000] });
    expect(await handle(self())).toMatchObject({ result: 'allocated', port: 20001 });
    expect(await handle(self())).toMatchObject({ result: 'allocated', port: 20002 });
    expect(await handle(self())).toMatchObject({ result: 'exhausted' });
  });

  it.each([
    ['garbage', 'abc\n', 'invalid'],
    ['an empty request', '', 'invalid'],
    ['21 bytes', `${'1'.repeat(20)}\n`, 'invalid'],
    ['init', '1\n', 'refused'],
    ['a negative pid', '-5\n', 'refused'],
    ['a pid past 2^63', '9999999999999999999\n', 'refused'],
  ])('allocates nothing for %s', async (_what, text, result) => {
    const { store, handle } = await setup();
    expect(await handle(request(text))).toMatchObject({ result });
    expect(store.allocations.size).toBe(0);
  });

  it('gives an undelivered port back through release()', async () => {
    const { store, handle } = await setup();
    const outcome = await handle(self());
    if (outcome.result !== 'allocated') throw new Error(`expected an allocation, got ${outcome.result}`);
    await outcome.release();
    expect(store.allocations.has(outcome.port)).toBe(false);
  });

  it('reads the requester from /proc once per request, and records its start time', async () => {
    let calls = 0;
    const processes: ProcessInspector = {
      inspect: async (pid) => {
        calls++;
        return { pid, startTime: 77, zombie: false, kernelThread: false, threadGroup: pid };
      },
      describe: async () => ({ cwd: '/src', command: 'python3 -m pytest' }),
    };
    const { store, handle } = await setup({ processes });
    const outcome = await handle(self());
    expect(outcome).toMatchObject({ result: 'allocated' });
    expect(calls).toBe(1);
    expect([...store.allocations.values()]).toEqual([expect.objectContaining({ pid: process.pid, pidStartTime: 77, command: 'python3 -m pytest' })]);
  });

  it('turns any other failure into an error outcome instead of throwing', async () => {
    const failure = new PortsError('E_STATE', 'disk full');
    const { handle } = await setup({
      allocations: { allocate: () => Promise.reject(failure), release: () => Promise.reject(failure) },
    });
    expect(await handle(self())).toEqual({ result: 'error', requested: String(process.pid), error: failure });
  });
});
