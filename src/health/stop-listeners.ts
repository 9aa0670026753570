/**
 * The HealthMonitor's `kill` action on the OS: which processes hold an allocation's port and
 * belong to its owner (the owner itself, a descendant, or a member of the owner's process group
 * or session — system/port-holders.ts, as adopting finds them), and stopping them (SIGTERM, SIGKILL after the
 * timeout — system/stop-processes.ts). A process outside the owner's tree is never signalled,
 * nor pid 1 or the daemon itself.
 */
import { findPortHolders } from '../system/port-holders.js';
import { stopProcesses } from '../system/stop-processes.js';

export interface PortHolder {
  pid: number;
  command: string | null;
}

export interface StoppedHolder extends PortHolder {
  /** The last signal sent; null when none was (it had gone already, or the signal was refused). */
  signal: 'SIGTERM' | 'SIGKILL' | null;
  exited: boolean;
  error: string | null;
}

export interface ListenerStopper {
  /** The processes of `ownerPid`'s tree that hold `port` (empty when none does). */
  ownHolders(port: number, ownerPid: number): Promise<PortHolder[]>;
  /** SIGTERM each, SIGKILL what is left after `timeoutMs`; stops waiting (and sends no SIGKILL) when `signal` aborts. */
  stop(holders: readonly PortHolder[], options: { timeoutMs: number; signal: AbortSignal }): Promise<StoppedHolder[]>;
}

export function createListenerStopper(): ListenerStopper {
  return {
    async ownHolders(port, ownerPid) {
      // One entry per process already (listeners.ts); never pid 1 or the daemon itself.
      const { inTree } = await findPortHolders(port, ownerPid);
      return inTree.flatMap(({ pid, command }) => (pid !== null && pid > 1 && pid !== process.pid ? [{ pid, command }] : []));
    },
    async stop(holders, options) {
      const outcomes = await stopProcesses(holders, { timeoutMs: options.timeoutMs, signal: options.signal });
      return holders.map((holder) => {
        const outcome = outcomes.get(holder.pid);
        return { ...holder, signal: outcome?.signal ?? null, exited: outcome?.exited ?? false, error: outcome?.error ?? null };
      });
    },
  };
}

/** For a daemon without a real OS under it (the in-memory one): nothing holds any port, so kill only releases. */
export const noListenerStopper: ListenerStopper = {
  ownHolders: () => Promise.resolve([]),
  stop: (holders) => Promise.resolve(holders.map((holder) => ({ ...holder, signal: null, exited: false, error: 'not stopped' }))),
};
