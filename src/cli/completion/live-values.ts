import type { Allocation } from '../../protocol/allocation.js';
import type { Candidate } from './complete.js';
import type { ValueKind } from './spec.js';

/**
 * What the daemon's allocations offer for each kind of value: service names (with their
 * ports), ports (with their service), owner tags and owner pids (with how many they hold).
 * Pure; live.ts fetches the allocations.
 */
function grouped(allocations: readonly Allocation[], key: (allocation: Allocation) => string | null): Map<string, Allocation[]> {
  const groups = new Map<string, Allocation[]>();
  for (const allocation of allocations) {
    const value = key(allocation);
    if (value === null) continue;
    groups.set(value, [...(groups.get(value) ?? []), allocation]);
  }
  return groups;
}

const portsOf = (list: readonly Allocation[]): string => `port${list.length > 1 ? 's' : ''} ${list.map((allocation) => allocation.port).join(', ')}`;
const byValue = (a: Candidate, b: Candidate): number => a.value.localeCompare(b.value, 'en', { numeric: true });

export function allocationCandidates(kind: ValueKind, allocations: readonly Allocation[]): Candidate[] {
  switch (kind) {
    case 'services':
      return [...grouped(allocations, (allocation) => allocation.service)].map(([value, list]) => ({ value, description: portsOf(list) })).sort(byValue);
    case 'ports':
      return allocations
        .map((allocation) => ({ value: String(allocation.port), description: allocation.service ?? (allocation.owner !== null ? `owner ${allocation.owner}` : 'unnamed') }))
        .sort(byValue);
    case 'owners':
      return [...grouped(allocations, (allocation) => allocation.owner)].map(([value, list]) => ({ value, description: portsOf(list) })).sort(byValue);
    case 'pids':
      return [...grouped(allocations, (allocation) => (allocation.pid === null ? null : String(allocation.pid)))]
        .map(([value, list]) => ({ value, description: portsOf(list) }))
        .sort(byValue);
    case 'dirs':
    case 'files':
    case 'help':
    case 'log-levels':
    case 'types':
      return [];
  }
}
