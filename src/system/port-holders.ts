/**
 * Who holds a port that an exact allocate found in use: every process holding one of its
 * listening or bound sockets (listeners.ts, all holders: a pre-forking server's workers too),
 * split into those of the requested owner's process tree and everyone else.
 */
import { belongsTo, listenersOn, type Listener } from './listeners.js';

/** As long as the daemon keeps any command line it records (process-info.ts). */
const COMMAND_MAX = 4096;

export interface PortHolders {
  /** Holders that belong to the owner pid: the owner itself, a descendant, or a member of its process group or session. */
  inTree: Listener[];
  /** Everyone else, sockets whose process cannot be seen (pid null: another user's) included. */
  others: Listener[];
}

/** The holders of `port`, judged against `ownerPid` (null: a reservation, whose holders are all others). */
export type PortHolderLookup = (port: number, ownerPid: number | null) => Promise<PortHolders>;

export const findPortHolders: PortHolderLookup = async (port, ownerPid) => {
  const listeners = (await listenersOn([port], { allHolders: true })).get(port) ?? [];
  const holders: PortHolders = { inTree: [], others: [] };
  for (const found of listeners) {
    const listener = found.command !== null && found.command.length > COMMAND_MAX ? { ...found, command: found.command.slice(0, COMMAND_MAX) } : found;
    const inTree = ownerPid !== null && listener.pid !== null && (await belongsTo(listener.pid, ownerPid));
    (inTree ? holders.inTree : holders.others).push(listener);
  }
  return holders;
};
