import { inRange, type PortRange } from '../shared/port-range.js';
import { BROWSER_UNSAFE_PORTS } from './unsafe-ports.js';

/**
 * Which ports the allocator may hand out without being asked for them by number. Pure data.
 */
export interface PortPolicy {
  types: Readonly<Record<string, PortRange>>;
  defaultType: string;
  exclusions: readonly PortRange[];
  /** The kernel's ephemeral range, or null when skipping it is off or unknown. */
  ephemeral: PortRange | null;
  skipBrowserUnsafe: boolean;
}

export type SkipReason = 'excluded' | 'ephemeral' | 'browser_unsafe';

/** Why a port is never handed out from a range, or null when it may be. */
export function skipReason(policy: PortPolicy, port: number): SkipReason | null {
  if (policy.skipBrowserUnsafe && BROWSER_UNSAFE_PORTS.has(port)) return 'browser_unsafe';
  if (policy.ephemeral && inRange(port, policy.ephemeral)) return 'ephemeral';
  for (const range of policy.exclusions) if (inRange(port, range)) return 'excluded';
  return null;
}
