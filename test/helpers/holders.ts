import { spawn, type ChildProcess } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

export const LISTEN_FIXTURE = fileURLToPath(new URL('../fixtures/listen.mjs', import.meta.url));
export const CONNECT_FIXTURE = fileURLToPath(new URL('../fixtures/connect.mjs', import.meta.url));

export interface Holder {
  child: ChildProcess;
  pid: number;
  /** The bound ports, in the order of the specs. */
  ports: number[];
  /** Resolves with the signal that ended it (null for a normal exit). */
  exited: Promise<NodeJS.Signals | null>;
}

/** The first line the child prints, or a rejection when it exits or stays silent first. */
function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no line from pid ${child.pid} within ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const end = seen.indexOf('\n');
      if (end !== -1) {
        clearTimeout(timer);
        resolve(seen.slice(0, end));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`pid ${child.pid} exited (${signal ?? code}) before saying anything: ${seen}`));
    });
  });
}

function track(child: ChildProcess): Promise<NodeJS.Signals | null> {
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

/**
 * A process holding sockets (`tcp:127.0.0.1:0`, `udp:::1:0` …; port 0 lets the kernel pick),
 * SIGKILLed when the test ends. `uid` runs it as another user (root only). `cwd` is its working
 * folder; without one, `shortCommand` runs it from the fixtures folder as `node listen.mjs …`, so
 * its whole command line fits where a message cuts command lines short.
 */
export async function startHolder(specs: string[], options: { ignoreTerm?: boolean; uid?: number; cwd?: string; shortCommand?: boolean } = {}): Promise<Holder> {
  const script = options.shortCommand ? basename(LISTEN_FIXTURE) : LISTEN_FIXTURE;
  const cwd = options.cwd ?? (options.shortCommand ? dirname(LISTEN_FIXTURE) : undefined);
  const args = [script, ...(options.ignoreTerm ? ['--ignore-term'] : []), ...specs];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
    ...(cwd !== undefined ? { cwd } : {}),
  });
  const exited = track(child);
  const line = await firstLine(child, 10_000);
  if (!line.startsWith('listening')) throw new Error(`the holder could not bind ${specs.join(' ')}: ${line}`);
  return { child, pid: child.pid ?? 0, ports: line.split(' ').slice(1).map(Number), exited };
}

/** A process connected to host:port (a client, not a listener), SIGKILLed when the test ends. */
export async function startClient(host: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CONNECT_FIXTURE, host, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  void track(child);
  const line = await firstLine(child, 10_000);
  if (line !== 'connected') throw new Error(`the client did not connect: ${line}`);
  return child;
}
