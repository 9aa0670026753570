/**
 * The E_CONFLICT of an exact port held by a process the request cannot adopt, naming who holds
 * it. Pure. The command lines are other processes' text: escaped and cut short in the message,
 * raw (as the daemon records them) in `details`.
 */
import { PortsError } from '../errors.js';
import { processLabel } from '../shared/process-label.js';
import type { Listener } from '../system/listeners.js';

/** Characters of a command line quoted in the message. */
const COMMAND_SHOWN = 120;
/** Processes named in the message; the rest are counted. */
const NAMED_MAX = 3;

function describeHolder(listener: Listener & { pid: number }): string {
  return processLabel(listener.pid, listener.command, COMMAND_SHOWN);
}

function joinWithAnd(parts: readonly string[]): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/**
 * `Port 3001 is in use by pid 1234 (node server.js)`; a socket whose process cannot be seen is
 * `a process of another user`; with no holder found, the bare `… in use by another process`.
 */
export function portInUseError(port: number, holders: readonly Listener[]): PortsError {
  const known = holders.filter((holder): holder is Listener & { pid: number } => holder.pid !== null);
  const parts = known.slice(0, NAMED_MAX).map(describeHolder);
  const more = known.length - NAMED_MAX;
  if (more > 0) parts.push(`${more} more process${more === 1 ? '' : 'es'}`);
  if (known.length < holders.length) parts.push('a process of another user');
  const by = parts.length > 0 ? joinWithAnd(parts) : 'another process';
  return new PortsError('E_CONFLICT', `Port ${port} is in use by ${by}`, {
    port,
    holders: holders.map(({ pid, command }) => ({ pid, command })),
  });
}
