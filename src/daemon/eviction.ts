/**
 * Which connection to close when the connection table is full and a new one arrives. Pure.
 *
 * Idle means: no request in flight and none replied to for a while. Stray bytes (a request line
 * trickled in one byte at a time, blank lines) do not count as activity, so a client cannot hold
 * a slot by dribbling. A connection with a request being handled, or one following events, is
 * never chosen; nor is one idle for less than `minIdleMs`, so a client that has just connected
 * gets to send its first request before a burst of newcomers could push it out.
 */
export interface EvictionCandidate {
  /** When it last finished a request (or was accepted), on the same clock as `now`. */
  readonly idleSince: number;
  /** A request in flight, or following events. */
  readonly busy: boolean;
}

/** A connection idle for less than this is never closed to make room. */
export const EVICTION_MIN_IDLE_MS = 250;

/** The longest-idle connection that may be closed, or null when none may. */
export function chooseEviction<T extends EvictionCandidate>(connections: Iterable<T>, now: number, minIdleMs = EVICTION_MIN_IDLE_MS): T | null {
  let chosen: T | null = null;
  for (const connection of connections) {
    if (connection.busy || now - connection.idleSince < minIdleMs) continue;
    if (chosen === null || connection.idleSince < chosen.idleSince) chosen = connection;
  }
  return chosen;
}
