import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ListenerMessage, ListenerRequest } from './listener-child.js';

/**
 * Helper processes for the scale bench (bench/listener-child.ts): owners of live allocations
 * that can listen on their ports. Every helper is tracked; `stopAllHelpers()` ends the ones still
 * running, each by its own pid (SIGKILL), and the helpers also exit by themselves when the bench
 * goes away (IPC disconnect).
 */
export interface HelperProcess {
  readonly pid: number;
  /** Its soft open-files limit as it read it (after the raise was attempted); null when unknown. */
  readonly fdLimit: number | null;
  /** Listen on 127.0.0.1:port; null when listening, else the error code (EADDRINUSE, EMFILE…). */
  listen(port: number): Promise<string | null>;
  close(port: number): Promise<void>;
  /** SIGKILL and wait for the exit; resolves with the time of the kill (performance.now()). */
  kill(): Promise<number>;
  stop(): Promise<void>;
}

// Compiled next to this file in dist-bench/bench/.
const LISTENER_JS = fileURLToPath(new URL('./listener-child.js', import.meta.url));
const READY_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 5_000;

const tracked = new Set<ChildProcess>();

export function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (!running(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Start a helper. `fdLimit` is the open-files limit it needs: it is started through
 * `sh -c 'ulimit -n N'` (raising the soft limit up to the hard one is allowed without privileges)
 * and reports the limit it got, so the caller can fall back when it is still too low.
 */
export async function startHelper(options: { fdLimit?: number } = {}): Promise<HelperProcess> {
  const stdio: ['ignore', 'ignore', 'inherit', 'ipc'] = ['ignore', 'ignore', 'inherit', 'ipc'];
  const child =
    options.fdLimit !== undefined && existsSync('/bin/sh')
      ? spawn(
          '/bin/sh',
          // $0 = node, $1 = wanted limit, $2 = script; exec keeps the pid.
          ['-c', 'ulimit -n "$1" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$2"', process.execPath, String(options.fdLimit), LISTENER_JS],
          { stdio },
        )
      : spawn(process.execPath, [LISTENER_JS], { stdio });
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));

  let nextId = 1;
  const pending = new Map<number, (error: string | null) => void>();
  let ready: ((message: Extract<ListenerMessage, { type: 'ready' }>) => void) | null = null;
  const readyMessage = new Promise<Extract<ListenerMessage, { type: 'ready' }>>((resolve) => (ready = resolve));
  child.on('message', (message: ListenerMessage) => {
    if (message.type === 'ready') ready?.(message);
    else if (message.type === 'done') {
      const settle = pending.get(message.id);
      pending.delete(message.id);
      settle?.(message.ok ? null : (message.error ?? 'failed'));
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const settle of pending.values()) settle('EXITED');
    pending.clear();
  });
  child.once('error', () => undefined); // reported as "not ready" below

  const request = (message: Omit<ListenerRequest, 'id'>): Promise<string | null> => {
    if (!running(child) || !child.connected) return Promise.resolve('EXITED');
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      child.send({ ...message, id });
    });
  };

  const kill = async (): Promise<number> => {
    const at = performance.now();
    if (running(child)) child.kill('SIGKILL');
    if (!(await waitForExit(child, EXIT_TIMEOUT_MS))) throw new Error(`helper pid ${child.pid} did not exit after SIGKILL`);
    return at;
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), READY_TIMEOUT_MS)));
  const first = await Promise.race([readyMessage, timeout, exited.then(() => null)]).finally(() => clearTimeout(timer));
  if (first === null || child.pid === undefined) {
    await kill().catch(() => undefined);
    throw new Error(`the bench helper process (${LISTENER_JS}) did not start`);
  }
  if (first.pid !== child.pid) {
    await kill().catch(() => undefined);
    throw new Error(`the bench helper reports pid ${first.pid}, not ${child.pid}`);
  }

  return {
    pid: child.pid,
    fdLimit: first.fdLimit,
    listen: (port) => request({ type: 'listen', port }),
    close: async (port) => {
      await request({ type: 'close', port });
    },
    kill,
    stop: async () => {
      await kill();
    },
  };
}

/** End every helper still running (each by its pid). Idempotent; for `finally` blocks. */
export async function stopAllHelpers(): Promise<void> {
  const children = [...tracked];
  for (const child of children) if (running(child)) child.kill('SIGKILL');
  await Promise.all(children.map((child) => waitForExit(child, EXIT_TIMEOUT_MS)));
}
