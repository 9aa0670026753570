/**
 * The pure half of allocation: given what is allocated and the request, decide what to return
 * or which ports to try, in order. The daemon then bind-tests candidates (the OS view) and
 * applies the first free one. No I/O here.
 */
import type { Allocation } from '../protocol/allocation.js';
import { formatPortRange, inRange, rangeSize, type PortRange } from '../shared/port-range.js';
import { FIRST_UNPRIVILEGED_PORT, searchRange, skipReason, type PortPolicy } from './policy.js';

export interface PlanRequest {
  service: string | null;
  type: string | null;
  port: number | null;
  range: PortRange | null;
  pid: number | null;
  /** The owner's start time; an allocation of the same pid with another start time belongs to a dead process. */
  pidStartTime: number | null;
  /** Ports to try before the search, in order (get-port's preferred ports). */
  preferred: readonly number[];
  /** Ports never to hand out. */
  exclude: ReadonlySet<number>;
}

export interface PlanInput {
  request: PlanRequest;
  /** The allocation the same service and owner already hold (found by the caller's index), if any. */
  existing: Allocation | null;
  /** Live allocations by port. */
  allocations: ReadonlyMap<number, Allocation>;
  /** The port each service had last. */
  sticky: ReadonlyMap<string, number>;
  policy: PortPolicy;
  /** Where the last search in each range ended, by rangeKey (next-fit: a just-released port is not reused at once). */
  cursors: ReadonlyMap<string, number>;
}

/** A preferred port to bind-test before the search: admitted like an exact port, but skipped instead of refused when held. */
export interface PreferredPort {
  port: number;
  type: string | null;
  warnings: string[];
  /** The port this service had last. */
  sticky: boolean;
}

export type Plan =
  | { kind: 'existing'; allocation: Allocation }
  | { kind: 'exact'; port: number; type: string | null; warnings: string[] }
  | {
      kind: 'search';
      type: string | null;
      range: PortRange;
      label: string;
      /** Tried first, in order (each still needs a bind test); then `candidates`. */
      preferred: PreferredPort[];
      candidates: Iterable<number>;
      stickyPort: number | null;
    }
  | { kind: 'error'; code: 'E_CONFLICT' | 'E_INVALID_REQUEST'; message: string; details: Record<string, unknown> };

function resolveType(request: PlanRequest, policy: PortPolicy): string | null | { unknown: string } {
  if (request.type !== null) return Object.hasOwn(policy.types, request.type) ? request.type : { unknown: request.type };
  if (request.range !== null) return null;
  // `ports allocate storybook` picks the storybook type when there is one.
  if (request.service !== null && Object.hasOwn(policy.types, request.service)) return request.service;
  return policy.defaultType;
}

function describeAllocation(allocation: Allocation): string {
  const who = allocation.service ?? 'an unnamed allocation';
  return allocation.pid === null ? `${who} (reservation)` : `${who} (pid ${allocation.pid})`;
}

const NO_PORTS: ReadonlySet<number> = new Set();

/**
 * Ports in `range` to try, lazily: the sticky port first, then from after `cursor`, wrapping,
 * skipping ports that are allocated, excluded by policy or in `skip` (the request's exclusions
 * and the preferred ports already tried) at the moment each is produced.
 */
export function* candidatePorts(input: {
  range: PortRange;
  cursor: number | undefined;
  stickyPort: number | null;
  allocations: ReadonlyMap<number, Allocation>;
  policy: PortPolicy;
  skip?: ReadonlySet<number>;
}): Generator<number> {
  const { range, allocations, policy, stickyPort } = input;
  const skip = input.skip ?? NO_PORTS;
  if (stickyPort !== null) yield stickyPort;
  const size = rangeSize(range);
  const first = input.cursor !== undefined && inRange(input.cursor, range) ? input.cursor + 1 : range.start;
  for (let i = 0; i < size; i++) {
    const port = range.start + ((first - range.start + i) % size);
    if (port === stickyPort || allocations.has(port) || skip.has(port) || skipReason(policy, port) !== null) continue;
    yield port;
  }
}

/** The E_NO_FREE_PORT message for a range: how many are allocated, excluded, in use. */
export function exhaustedMessage(input: {
  label: string;
  range: PortRange;
  allocations: ReadonlyMap<number, Allocation>;
  inUseByOs: number;
  /** The request's preferred ports, all of which were taken. */
  preferred?: readonly number[];
  /** Whether the request excluded ports of its own. */
  requestExcluded?: boolean;
}): { message: string; details: Record<string, unknown> } {
  const { range, allocations, inUseByOs } = input;
  let allocated = 0;
  for (const port of allocations.keys()) if (inRange(port, range)) allocated++;
  const size = rangeSize(range);
  const skipped = Math.max(0, size - allocated - inUseByOs);
  const why = input.requestExcluded ? 'ephemeral, browser-unsafe, configured or asked' : 'ephemeral, browser-unsafe or configured';
  const preferred = input.preferred ?? [];
  const shown = preferred.length > 5 ? `${preferred.slice(0, 5).join(', ')} … (${preferred.length})` : preferred.join(', ');
  const before = preferred.length > 0 ? `Preferred port${preferred.length > 1 ? 's' : ''} ${shown} taken, and no` : 'No';
  return {
    message:
      `${before} free port in ${input.label}: ${allocated} allocated, ${inUseByOs} in use by other processes, ` +
      `${skipped} excluded (${why}), 0 free`,
    details: { range, size, allocated, inUseByOs, excluded: skipped, ...(preferred.length > 0 ? { preferred } : {}) },
  };
}

/** The warnings an exact or preferred port gets when a search would have skipped it. */
function admissionWarnings(port: number, policy: PortPolicy): string[] {
  const reason = skipReason(policy, port);
  if (reason === 'ephemeral') return [`port ${port} is in the kernel's ephemeral range; outgoing connections may take it`];
  if (reason === 'browser_unsafe') return [`port ${port} is one browsers refuse to connect to`];
  if (reason === 'excluded') return [`port ${port} is in the configured exclusions`];
  return [];
}

/** The same service held by the same process (same pid and, when both are known, same start time). */
export function isSameOwner(allocation: Allocation, service: string | null, pid: number | null, pidStartTime: number | null): boolean {
  if (service === null || pid === null) return false;
  if (allocation.service !== service || allocation.pid !== pid) return false;
  return allocation.pidStartTime === null || pidStartTime === null || allocation.pidStartTime === pidStartTime;
}

/** The configured type whose range holds the port, or null. */
export function typeOfPort(port: number, policy: PortPolicy): string | null {
  for (const [name, range] of Object.entries(policy.types)) if (inRange(port, range)) return name;
  return null;
}

export function rangeKey(range: PortRange): string {
  return `${range.start}-${range.end}`;
}

export function planAllocation(input: PlanInput): Plan {
  const { request, allocations, policy } = input;

  const existing = input.existing;
  if (existing !== null && isSameOwner(existing, request.service, request.pid, request.pidStartTime)) {
    if (request.port !== null && request.port !== existing.port) {
      return {
        kind: 'error',
        code: 'E_CONFLICT',
        message: `Service ${request.service} already holds port ${existing.port} for pid ${request.pid}; release it before asking for ${request.port}`,
        details: { port: existing.port, requested: request.port },
      };
    }
    if (request.exclude.has(existing.port)) {
      return {
        kind: 'error',
        code: 'E_CONFLICT',
        message: `Service ${request.service} already holds port ${existing.port} for pid ${request.pid}, which the request excludes; release it first`,
        details: { port: existing.port },
      };
    }
    return { kind: 'existing', allocation: existing };
  }

  const type = resolveType(request, policy);
  if (type !== null && typeof type === 'object') {
    return {
      kind: 'error',
      code: 'E_INVALID_REQUEST',
      message: `Unknown type "${type.unknown}"; configured types: ${Object.keys(policy.types).join(', ')}`,
      details: { type: type.unknown, types: Object.keys(policy.types) },
    };
  }

  if (request.port !== null) {
    const holder = allocations.get(request.port);
    if (holder) {
      return {
        kind: 'error',
        code: 'E_CONFLICT',
        message: `Port ${request.port} is allocated to ${describeAllocation(holder)}`,
        details: { port: request.port, holder },
      };
    }
    // An exact port's type is the one named, else the configured range it falls in.
    return { kind: 'exact', port: request.port, type: request.type ?? typeOfPort(request.port, policy), warnings: admissionWarnings(request.port, policy) };
  }

  const asked = request.range ?? policy.types[type ?? policy.defaultType];
  if (!asked) {
    return { kind: 'error', code: 'E_INVALID_REQUEST', message: 'No range to allocate from', details: {} };
  }
  // Privileged ports only when the range asks for them (see searchRange).
  const range = searchRange(asked);
  const skipped = range.start !== asked.start ? ` (ports below ${FIRST_UNPRIVILEGED_PORT} skipped)` : '';
  const label = `${request.range ? 'range' : `${type} range`} ${formatPortRange(asked)}${skipped}`;

  const previous = request.service !== null ? input.sticky.get(request.service) : undefined;
  const { exclude } = request;
  // Preferred ports: in the order given, once each, never an excluded or allocated one.
  const preferred: PreferredPort[] = [];
  const tried = new Set<number>();
  for (const port of request.preferred) {
    if (tried.has(port) || exclude.has(port)) continue;
    tried.add(port);
    if (allocations.has(port)) continue;
    preferred.push({ port, type: request.type ?? typeOfPort(port, policy), warnings: admissionWarnings(port, policy), sticky: port === previous });
  }

  let stickyPort: number | null = null;
  if (
    previous !== undefined &&
    inRange(previous, range) &&
    !allocations.has(previous) &&
    !exclude.has(previous) &&
    !tried.has(previous) &&
    skipReason(policy, previous) === null
  ) {
    stickyPort = previous;
  }
  const skip = tried.size === 0 ? exclude : new Set([...exclude, ...tried]);
  const candidates = candidatePorts({ range, cursor: input.cursors.get(rangeKey(range)), stickyPort, allocations, policy, skip });
  return { kind: 'search', type, range, label, preferred, candidates, stickyPort };
}
