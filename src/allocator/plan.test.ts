import { describe, expect, it } from 'vitest';
import { allocation as record } from '../../test/helpers/allocation.js';
import type { Allocation } from '../protocol/allocation.js';
import { candidatePorts, exhaustedMessage, planAllocation, type PlanInput, type PlanRequest } from './plan.js';
import { searchRange, type PortPolicy } from './policy.js';

const policy: PortPolicy = {
  types: { dev: { start: 3000, end: 3009 }, storybook: { start: 6006, end: 6010 }, big: { start: 6660, end: 6700 } },
  defaultType: 'dev',
  exclusions: [{ start: 3005, end: 3005 }],
  ephemeral: { start: 3008, end: 3020 },
  skipBrowserUnsafe: true,
};

/** An allocation owned by pid 100 (the default requester) unless `over` says otherwise. */
function allocation(port: number, over: Partial<Allocation> = {}): Allocation {
  return record(port, { pid: 100, pidStartTime: 1, ...over });
}

function input(request: Partial<PlanRequest>, allocations: Allocation[] = [], extra: Partial<PlanInput> = {}): PlanInput {
  const full: PlanRequest = { service: null, type: null, port: null, range: null, pid: 100, pidStartTime: 1, preferred: [], exclude: new Set(), ...request };
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

describe('planAllocation: preferred ports', () => {
  function preferredPorts(plan: ReturnType<typeof planAllocation>): number[] {
    if (plan.kind !== 'search') throw new Error(`expected a search, got ${plan.kind}`);
    return plan.preferred.map((p) => p.port);
  }

  it('offers the preferred ports first, in the order given, then the normal search without them', () => {
    const plan = planAllocation(input({ preferred: [3004, 3001] }));
    expect(preferredPorts(plan)).toEqual([3004, 3001]);
    expect(firstCandidates(plan)).toEqual([3000, 3002, 3003, 3006, 3007]);
  });

  it('skips preferred ports that are allocated, excluded by the request or repeated', () => {
    const plan = planAllocation(input({ preferred: [3001, 3002, 3003, 3002, 3004], exclude: new Set([3003]) }, [allocation(3001)]));
    expect(preferredPorts(plan)).toEqual([3002, 3004]);
  });

  it('admits a preferred port like an exact one: outside every range, or one a search skips, with a warning', () => {
    const plan = planAllocation(input({ preferred: [9999, 3015, 6008] }));
    if (plan.kind !== 'search') throw new Error('expected a search');
    expect(plan.preferred).toEqual([
      { port: 9999, type: null, warnings: [], sticky: false },
      { port: 3015, type: null, warnings: [expect.stringMatching(/ephemeral/)], sticky: false },
      { port: 6008, type: 'storybook', warnings: [], sticky: false },
    ]);
  });

  it('gives a preferred port the type asked for', () => {
    const plan = planAllocation(input({ type: 'dev', preferred: [9999] }));
    expect(plan).toMatchObject({ preferred: [{ port: 9999, type: 'dev' }] });
  });

  it('puts the preferred ports before the sticky port, and marks a preferred port that is the sticky one', () => {
    const sticky = new Map([['web', 3004]]);
    const before = planAllocation(input({ service: 'web', preferred: [3001] }, [], { sticky }));
    expect(preferredPorts(before)).toEqual([3001]);
    expect(firstCandidates(before)[0]).toBe(3004);
    const same = planAllocation(input({ service: 'web', preferred: [3004] }, [], { sticky }));
    expect(same).toMatchObject({ stickyPort: null, preferred: [{ port: 3004, sticky: true }] });
    expect(firstCandidates(same)).not.toContain(3004);
  });

  it('still returns the existing allocation of the same service and pid', () => {
    const held = allocation(3003, { service: 'web', pid: 100 });
    expect(planAllocation(input({ service: 'web', preferred: [3001] }, [held]))).toEqual({ kind: 'existing', allocation: held });
  });
});

describe('planAllocation: excluded ports', () => {
  it('never offers an excluded port from the search', () => {
    const plan = planAllocation(input({ exclude: new Set([3000, 3002, 3004]) }));
    expect(firstCandidates(plan)).toEqual([3001, 3003, 3006, 3007]);
  });

  it('does not offer an excluded sticky port', () => {
    const plan = planAllocation(input({ service: 'web', exclude: new Set([3004]) }, [], { sticky: new Map([['web', 3004]]) }));
    expect(plan).toMatchObject({ kind: 'search', stickyPort: null });
    expect(firstCandidates(plan)).not.toContain(3004);
  });

  it('refuses to return an existing allocation on an excluded port (E_CONFLICT)', () => {
    const held = allocation(3003, { service: 'web', pid: 100 });
    const plan = planAllocation(input({ service: 'web', exclude: new Set([3003]) }, [held]));
    expect(plan).toMatchObject({ kind: 'error', code: 'E_CONFLICT' });
    if (plan.kind === 'error') expect(plan.message).toBe('Service web already holds port 3003 for pid 100, which the request excludes; release it first');
  });

  it('returns an existing allocation whose port is not excluded', () => {
    const held = allocation(3003, { service: 'web', pid: 100 });
    expect(planAllocation(input({ service: 'web', exclude: new Set([3001]) }, [held]))).toMatchObject({ kind: 'existing' });
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

describe('exhaustedMessage with preferred and excluded ports', () => {
  it('says the preferred ports were taken and counts the asked exclusions', () => {
    const { message, details } = exhaustedMessage({
      label: 'dev range 3000-3009',
      range: { start: 3000, end: 3009 },
      allocations: new Map(),
      inUseByOs: 1,
      preferred: [3000],
      requestExcluded: true,
    });
    expect(message).toBe(
      'Preferred port 3000 taken, and no free port in dev range 3000-3009: 0 allocated, 1 in use by other processes, 9 excluded (ephemeral, browser-unsafe, configured or asked), 0 free',
    );
    expect(details).toMatchObject({ preferred: [3000] });
  });

  it('shortens a long preferred list', () => {
    const preferred = [1, 2, 3, 4, 5, 6, 7].map((n) => 4000 + n);
    expect(exhaustedMessage({ label: 'x', range: { start: 1, end: 1 }, allocations: new Map(), inUseByOs: 1, preferred }).message).toMatch(
      /^Preferred ports 4001, 4002, 4003, 4004, 4005 … \(7\) taken, and no free port in x/,
    );
  });
});

describe('privileged ports (below 1024)', () => {
  it.each([
    ['1-65535', '1024-65535'],
    ['1000-1100', '1024-1100'],
    ['1023-1024', '1024-1024'],
    ['80-89', '80-89'],
    ['1-1023', '1-1023'],
    ['443', '443-443'],
    ['1024-1100', '1024-1100'],
    ['3000-3099', '3000-3099'],
  ])('a search of %s covers %s', (asked, searched) => {
    const parse = (text: string) => {
      const [start, end = start] = text.split('-').map(Number) as [number, number?];
      return { start, end };
    };
    expect(searchRange(parse(asked))).toEqual(parse(searched));
  });

  it('never offers one from a request range that reaches 1024 or above', () => {
    const plan = planAllocation(input({ range: { start: 1, end: 65535 } }));
    const candidates = firstCandidates(plan, 70_000);
    expect(candidates[0]).toBe(1024);
    expect(candidates.every((port) => port >= 1024)).toBe(true);
    expect(plan).toMatchObject({ kind: 'search', range: { start: 1024, end: 65535 }, label: 'range 1-65535 (ports below 1024 skipped)' });
  });

  it('never offers one from a configured type that starts below 1024 and ends above it', () => {
    const plan = planAllocation(input({ type: 'low' }, [], { policy: { ...policy, types: { ...policy.types, low: { start: 1000, end: 1030 } } } }));
    expect(firstCandidates(plan, 100)).toEqual(Array.from({ length: 7 }, (_, i) => 1024 + i));
    expect(plan).toMatchObject({ label: 'low range 1000-1030 (ports below 1024 skipped)' });
  });

  it('offers them from a range that lies wholly below 1024, requested or configured', () => {
    const requested = firstCandidates(planAllocation(input({ range: { start: 80, end: 89 } })), 20);
    expect(requested[0]).toBe(80);
    expect(requested.every((port) => port >= 80 && port <= 89)).toBe(true);
    const configured = planAllocation(input({ type: 'web' }, [], { policy: { ...policy, types: { ...policy.types, web: { start: 800, end: 809 } } } }));
    expect(firstCandidates(configured)).toEqual([800, 801, 802, 803, 804, 805, 806, 807, 808, 809]);
    expect(configured).toMatchObject({ label: 'web range 800-809' });
  });

  it('gives an exact privileged port asked for by number, without a warning', () => {
    expect(planAllocation(input({ port: 80 }))).toEqual({ kind: 'exact', port: 80, type: null, warnings: [] });
  });

  it('does not offer a privileged sticky port from a range searched from 1024', () => {
    const plan = planAllocation(input({ service: 'web', range: { start: 1000, end: 1100 } }, [], { sticky: new Map([['web', 1000]]) }));
    expect(plan).toMatchObject({ kind: 'search', stickyPort: null });
    expect(firstCandidates(plan, 1)).toEqual([1024]);
  });

  it('says the privileged part was skipped when the rest is full', () => {
    const allocations = new Map([[1024, allocation(1024)]]);
    const plan = planAllocation(input({ range: { start: 1000, end: 1024 } }, [allocation(1024)]));
    expect(firstCandidates(plan)).toEqual([]);
    if (plan.kind !== 'search') throw new Error('expected a search');
    expect(exhaustedMessage({ label: plan.label, range: plan.range, allocations, inUseByOs: 0 }).message).toBe(
      'No free port in range 1000-1024 (ports below 1024 skipped): 1 allocated, 0 in use by other processes, 0 excluded (ephemeral, browser-unsafe or configured), 0 free',
    );
  });
});

