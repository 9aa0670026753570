import { describe, expect, it } from 'vitest';
import { newHealth, type Allocation } from '../protocol/allocation.js';
import { candidatePorts, exhaustedMessage, planAllocation, type PlanInput, type PlanRequest } from './plan.js';
import type { PortPolicy } from './policy.js';

const policy: PortPolicy = {
  types: { dev: { start: 3000, end: 3009 }, storybook: { start: 6006, end: 6010 }, big: { start: 6660, end: 6700 } },
  defaultType: 'dev',
  exclusions: [{ start: 3005, end: 3005 }],
  ephemeral: { start: 3008, end: 3020 },
  skipBrowserUnsafe: true,
};

function allocation(port: number, over: Partial<Allocation> = {}): Allocation {
  return {
    port,
    service: null,
    type: 'dev',
    pid: 100,
    pidStartTime: 1,
    owner: null,
    cwd: null,
    command: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: null, ttlMs: null,
    listenCheck: true,
    healthUrl: null,
    health: newHealth(),
    ...over,
  };
}

function input(request: Partial<PlanRequest>, allocations: Allocation[] = [], extra: Partial<PlanInput> = {}): PlanInput {
  const full: PlanRequest = { service: null, type: null, port: null, range: null, pid: 100, pidStartTime: 1, ...request };
  return {
    request: full,
    // What the daemon's index finds: an allocation of the same service (the planner checks the owner).
    existing: allocations.find((a) => full.service !== null && a.service === full.service) ?? null,
    allocations: new Map(allocations.map((a) => [a.port, a])),
    sticky: new Map(),
    policy,
    cursors: new Map(),
    ...extra,
  };
}

function firstCandidates(plan: ReturnType<typeof planAllocation>, n = 20): number[] {
  if (plan.kind !== 'search') throw new Error(`expected a search, got ${plan.kind}`);
  return [...plan.candidates].slice(0, n);
}

describe('planAllocation', () => {
  it('searches the default type range, skipping allocated, excluded and ephemeral ports', () => {
    const plan = planAllocation(input({}, [allocation(3000), allocation(3002)]));
    expect(firstCandidates(plan)).toEqual([3001, 3003, 3004, 3006, 3007]);
  });

  it('uses the type named like the service when no type is given', () => {
    const plan = planAllocation(input({ service: 'storybook' }));
    expect(plan).toMatchObject({ kind: 'search', type: 'storybook' });
    expect(firstCandidates(plan)[0]).toBe(6006);
  });

  it('skips browser-unsafe ports', () => {
    const candidates = firstCandidates(planAllocation(input({ type: 'big' })), 100);
    expect(candidates).not.toContain(6665);
    expect(candidates).not.toContain(6697);
    expect(candidates).toContain(6664);
  });

  it('returns the existing allocation for the same service and pid (idempotent)', () => {
    const held = allocation(3003, { service: 'web', pid: 100 });
    expect(planAllocation(input({ service: 'web', pid: 100 }, [held]))).toEqual({ kind: 'existing', allocation: held });
  });

  it('does not treat a reused pid (other start time) as the same owner', () => {
    const held = allocation(3003, { service: 'web', pid: 100, pidStartTime: 1 });
    expect(planAllocation(input({ service: 'web', pid: 100, pidStartTime: 2 }, [held])).kind).toBe('search');
  });

  it('gives an exact port the type whose range holds it', () => {
    expect(planAllocation(input({ port: 6008 }))).toMatchObject({ kind: 'exact', type: 'storybook' });
    expect(planAllocation(input({ port: 9999 }))).toMatchObject({ kind: 'exact', type: null });
  });

  it('gives the same service under another pid a different port', () => {
    const held = allocation(3003, { service: 'web', pid: 100 });
    const plan = planAllocation(input({ service: 'web', pid: 200 }, [held], { sticky: new Map([['web', 3003]]) }));
    expect(firstCandidates(plan)).not.toContain(3003);
  });

  it('offers the sticky port first when it is free', () => {
    const plan = planAllocation(input({ service: 'web' }, [], { sticky: new Map([['web', 3004]]) }));
    expect(plan).toMatchObject({ kind: 'search', stickyPort: 3004 });
    expect(firstCandidates(plan)).toEqual([3004, 3000, 3001, 3002, 3003, 3006, 3007]);
  });

  it('ignores a sticky port outside the requested range', () => {
    const plan = planAllocation(input({ service: 'web', range: { start: 4000, end: 4001 } }, [], { sticky: new Map([['web', 3004]]) }));
    expect(plan).toMatchObject({ kind: 'search', stickyPort: null });
    expect(firstCandidates(plan)).toEqual([4000, 4001]);
  });

  it('continues after the cursor (next-fit) and wraps around', () => {
    const plan = planAllocation(input({}, [], { cursors: new Map([['3000-3009', 3003]]) }));
    expect(firstCandidates(plan)).toEqual([3004, 3006, 3007, 3000, 3001, 3002, 3003]);
  });

  it('reports an exact port held by another allocation as a conflict', () => {
    const plan = planAllocation(input({ port: 3001 }, [allocation(3001, { service: 'api', pid: 7 })]));
    expect(plan).toMatchObject({ kind: 'error', code: 'E_CONFLICT' });
    if (plan.kind === 'error') expect(plan.message).toBe('Port 3001 is allocated to api (pid 7)');
  });

  it('allows an exact port in the ephemeral range, with a warning', () => {
    const plan = planAllocation(input({ port: 3015 }));
    expect(plan).toMatchObject({ kind: 'exact', port: 3015 });
    if (plan.kind === 'exact') expect(plan.warnings[0]).toMatch(/ephemeral/);
  });

  it('refuses an unknown type, naming the configured ones', () => {
    const plan = planAllocation(input({ type: 'nope' }));
    expect(plan).toMatchObject({ kind: 'error', code: 'E_INVALID_REQUEST' });
    if (plan.kind === 'error') expect(plan.message).toBe('Unknown type "nope"; configured types: dev, storybook, big');
  });

  it('refuses a different exact port for a service+pid that already holds one', () => {
    const plan = planAllocation(input({ service: 'web', port: 3001 }, [allocation(3003, { service: 'web' })]));
    expect(plan).toMatchObject({ kind: 'error', code: 'E_CONFLICT' });
  });

  it('yields nothing when every port is allocated or excluded', () => {
    const all = [3000, 3001, 3002, 3003, 3004, 3006, 3007].map((port) => allocation(port));
    expect(firstCandidates(planAllocation(input({}, all)))).toEqual([]);
  });
});

describe('candidatePorts', () => {
  it('re-reads the live allocation map while iterating', () => {
    const allocations = new Map<number, Allocation>();
    const iterator = candidatePorts({ range: { start: 1, end: 1000 }, cursor: 4999, stickyPort: null, allocations, policy: { ...policy, exclusions: [], ephemeral: null, skipBrowserUnsafe: false } });
    expect(iterator.next().value).toBe(1);
    allocations.set(2, allocation(2));
    expect(iterator.next().value).toBe(3);
  });
});

describe('exhaustedMessage', () => {
  it('names the range and what holds it', () => {
    const allocations = new Map([[3000, allocation(3000)]]);
    expect(exhaustedMessage({ label: 'dev range 3000-3009', range: { start: 3000, end: 3009 }, allocations, inUseByOs: 2 }).message).toBe(
      'No free port in dev range 3000-3009: 1 allocated, 2 in use by other processes, 7 excluded (ephemeral, browser-unsafe or configured), 0 free',
    );
  });
});
