/**
 * Stop processes: SIGTERM to all of them at once, wait until each has exited (a zombie counts)
 * for at most `timeoutMs` in all, then SIGKILL the ones still there and wait a little longer for
 * them to go. The one implementation behind `ports cleanup --kill` and `ports kill`.
 *
 * A pid is bound to the process it named when the stop began (its start time): a pid that is
 * reused by another process meanwhile counts as gone and is never signalled.
 */
import { pause } from '../shared/pause.js';
import { procInspector, type ProcessInspector } from './process-info.js';

export interface StopTarget {
  pid: number;
  /** Start time (clock ticks since boot) when the target was chosen; read here when absent. */
  startTime?: number | null;
}

export interface StopOutcome {
  /** The last signal sent; null when none was (gone before the first, or the signal was refused). */
  signal: 'SIGTERM' | 'SIGKILL' | null;
  /** It is gone (or a zombie) at the end. */
  exited: boolean;
  /** Why it is still there: the signal was refused (`EPERM`), or it survived SIGKILL. */
  error: string | null;
}

export interface StopDeps {
  inspector: Pick<ProcessInspector, 'inspect'>;
  signal(pid: number, signal: 'SIGTERM' | 'SIGKILL'): void;
  now(): number;
  pause(ms: number): Promise<void>;
}

export interface StopOptions {
  /** How long SIGTERM has before SIGKILL. */
  timeoutMs: number;
  /** How long to wait for the exit after SIGKILL (default 5 s: a process in uninterruptible sleep). */
  killWaitMs?: number;
  /** Stop waiting when aborted (the daemon stops): no SIGKILL is sent after that, the outcomes say what was seen. */
  signal?: AbortSignal;
  deps?: Partial<StopDeps>;
}

const POLL_MS = 50;

const realDeps: StopDeps = {
  inspector: procInspector,
  signal: (pid, signal) => void process.kill(pid, signal),
  now: () => Date.now(),
  pause,
};

export async function stopProcesses(targets: readonly StopTarget[], options: StopOptions): Promise<Map<number, StopOutcome>> {
  const deps: StopDeps = { ...realDeps, ...options.deps };
  const outcomes = new Map<number, StopOutcome>();
  const starts = new Map<number, number | null>();

  /** Gone, a zombie, or the pid now names another process. */
  const isGone = async (pid: number): Promise<boolean> => {
    const found = await deps.inspector.inspect(pid);
    if (found === null || found.zombie) return true;
    const start = starts.get(pid) ?? null;
    return start !== null && found.startTime !== null && found.startTime !== start;
  };
  const send = (pid: number, signal: 'SIGTERM' | 'SIGKILL'): void => {
    const outcome = outcomes.get(pid);
    if (!outcome) return;
    try {
      deps.signal(pid, signal);
      outcome.signal = signal;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ESRCH: it went between the check and the signal.
      if (code !== 'ESRCH') outcome.error = `could not send ${signal} (${code ?? 'error'})`;
    }
  };

  for (const target of targets) {
    if (outcomes.has(target.pid)) continue;
    outcomes.set(target.pid, { signal: null, exited: false, error: null });
    let start = target.startTime ?? null;
    if (target.startTime === undefined) start = (await deps.inspector.inspect(target.pid))?.startTime ?? null;
    starts.set(target.pid, start);
  }
  const pids = [...outcomes.keys()];
  for (const pid of pids) if (!(await isGone(pid))) send(pid, 'SIGTERM');

  const aborted = (): boolean => options.signal?.aborted === true;
  let stopWaiting: () => void = () => undefined;
  const abortedWait = new Promise<void>((resolve) => (stopWaiting = resolve));
  options.signal?.addEventListener('abort', stopWaiting, { once: true });
  const waitFor = async (waiting: number[], until: number): Promise<number[]> => {
    let left = waiting;
    for (;;) {
      const still: number[] = [];
      for (const pid of left) if (!(await isGone(pid))) still.push(pid);
      left = still;
      if (left.length === 0 || deps.now() >= until || aborted()) return left;
      await Promise.race([deps.pause(Math.min(POLL_MS, Math.max(1, until - deps.now()))), abortedWait]);
    }
  };

  const signalled = pids.filter((pid) => outcomes.get(pid)?.error === null);
  const survivors = await waitFor(signalled, deps.now() + options.timeoutMs);
  if (!aborted()) for (const pid of survivors) send(pid, 'SIGKILL');
  const killed = aborted() ? [] : survivors.filter((pid) => outcomes.get(pid)?.error === null);
  const unkillable = new Set([...(aborted() ? survivors : []), ...(await waitFor(killed, deps.now() + (options.killWaitMs ?? 5000)))]);
  options.signal?.removeEventListener('abort', stopWaiting);

  for (const pid of pids) {
    const outcome = outcomes.get(pid);
    if (!outcome) continue;
    if (outcome.error === null && !unkillable.has(pid)) {
      outcome.exited = true;
      continue;
    }
    outcome.exited = await isGone(pid);
    if (!outcome.exited && outcome.error === null) outcome.error = outcome.signal === 'SIGKILL' ? 'still running after SIGKILL' : 'still running when the wait was stopped';
  }
  return outcomes;
}
