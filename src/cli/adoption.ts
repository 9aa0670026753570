/**
 * Adopting a server that already listens: what `ports allocate --port` says when the daemon
 * adopted the port, and the command `ports who` suggests for a listener nobody allocated. Pure.
 */
import { basename } from 'node:path';
import { serviceSchema } from '../protocol/allocation.js';
import { processLabel } from '../shared/process-label.js';

/** Stands for the service name when the listener's folder does not give one. */
export const SERVICE_PLACEHOLDER = 'SERVICE';

/** Characters of a command line quoted in a note. */
const COMMAND_SHOWN = 80;

export interface ListenerView {
  pid: number | null;
  command: string | null;
}

function describeListener(listener: ListenerView & { pid: number }): string {
  return processLabel(listener.pid, listener.command, COMMAND_SHOWN);
}

/**
 * The stderr line of an adopted allocation: which process already listens (the owner's own
 * listener first; the daemon's reply names the one it found), or the owner's tree when none is
 * named (a daemon from before the reply carried it).
 */
export function adoptedNote(port: number, ownerPid: number | null, listeners: readonly ListenerView[]): string {
  const known = listeners.filter((listener): listener is ListenerView & { pid: number } => listener.pid !== null);
  const listener = known.find((candidate) => candidate.pid === ownerPid) ?? known[0];
  if (listener) return `adopted port ${port}: ${describeListener(listener)} already listens on it`;
  return `adopted port ${port}: a process of owner pid ${ownerPid ?? '?'} already listened on it`;
}

export interface AdoptSuggestion {
  pid: number;
  /** The service name suggested: the listener's working folder's name when it is a valid one, else null. */
  service: string | null;
  /** The command to run, with SERVICE in place of a name when there is none to suggest. */
  command: string;
}

/**
 * A service name from a working folder: its last part, when that is a valid service name and the
 * folder is not the user's home (whose name is the user's, not a project's). A valid name holds
 * no character a shell would interpret, so the command can be pasted as it is.
 */
export function serviceFromFolder(cwd: string | null, home: string | undefined): string | null {
  if (cwd === null || cwd === home) return null;
  const name = basename(cwd);
  return serviceSchema.safeParse(name).success ? name : null;
}

/** The command that registers `listener` as it is (the daemon adopts its port); null when its pid is not known. */
export function adoptSuggestion(port: number, listener: ListenerView, service: string | null): AdoptSuggestion | null {
  if (listener.pid === null) return null;
  return { pid: listener.pid, service, command: `ports allocate ${service ?? SERVICE_PLACEHOLDER} --port ${port} --pid ${listener.pid}` };
}
