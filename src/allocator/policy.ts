/**
 * Which ports the allocator may hand out without being asked for them by number. Pure data.
 */
import { inRange, type PortRange } from '../shared/port-range.js';
import { BROWSER_UNSAFE_PORTS } from './unsafe-ports.js';

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

/** Ports below this one need privilege to bind (root, or CAP_NET_BIND_SERVICE). */
export const FIRST_UNPRIVILEGED_PORT = 1024;

/**
 * The part of a range a search may hand out. Ports below 1024 are handed out by a search only
 * when the range asks for them, which means the whole range lies below 1024 (`80-89`: every port
 * in it is privileged, so nothing else can have been meant). A range that reaches 1024 or above
 * (`1-65535`, `1000-1100`) is searched from 1024: its privileged ports are given only when asked
 * for by number (an exact port). So a daemon that may bind them (root) gives the same answers as
 * one that may not, and never puts a dev server on port 22 or 80 because a wide range was asked
 * for. Pure.
 */
export function searchRange(range: PortRange): PortRange {
  if (range.start >= FIRST_UNPRIVILEGED_PORT || range.end < FIRST_UNPRIVILEGED_PORT) return range;
  return { start: FIRST_UNPRIVILEGED_PORT, end: range.end };
}
