import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { waitFor } from './wait-for.js';

export const SERVER_FIXTURE = fileURLToPath(new URL('../fixtures/server.mjs', import.meta.url));
export const SLEEPER_FIXTURE = fileURLToPath(new URL('../fixtures/sleeper.mjs', import.meta.url));

/** Spawn a process that is SIGKILLed when the test ends if still running. */
export function spawnTracked(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** Resolves when the child prints a line containing `text`. */
export function waitForOutput(child: ChildProcess, text: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" from pid ${child.pid} within ${timeoutMs} ms; got: ${seen}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/**
 * Spawn the fixture server; it listens on `port` after `--delay` ms (default 300), leaving time to
 * allocate the port for its pid first, as a real launcher would. `listening` resolves once it does.
 */
export function startServer(port: number, ...flags: string[]): { child: ChildProcess; pid: number; listening: Promise<void> } {
  const args = flags.includes('--delay') ? flags : ['--delay', '300', ...flags];
  const child = spawnTracked(process.execPath, [SERVER_FIXTURE, String(port), ...args]);
  return { child, pid: child.pid ?? 0, listening: waitForOutput(child, 'listening') };
}

export async function startSleeper(): Promise<ChildProcess> {
  const child = spawnTracked(process.execPath, [SLEEPER_FIXTURE]);
  await waitForOutput(child, 'ready');
  return child;
}

/** A port nothing uses right now, from the kernel (listen on port 0), so busy machines don't collide. */
export async function testPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function bindsNow(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive ports from `from` up that the kernel lets us bind right now on every
 * address (0.0.0.0 and ::), outside the ephemeral range a daemon skips: for tests that need a
 * known block (a pool of one, neighbours held by listeners). A busy host only moves the block.
 */
export async function freeBlock(count: number, from: number): Promise<number> {
  let first = from;
  for (let port = from; port < from + 2000; port++) {
    const free = (await bindsNow(port, '0.0.0.0')) && (await bindsNow(port, '::'));
    if (!free) {
      first = port + 1;
      continue;
    }
    if (port - first + 1 === count) return first;
  }
  throw new Error(`no ${count} consecutive free ports in ${from}-${from + 1999}`);
}

/**
 * Listen on `port` at 127.0.0.1 until the test ends, and return the port (with 0, one the kernel
 * gives). A port something else already holds is busy all the same.
 */
export async function holdPort(port = 0): Promise<number> {
  const server = createServer();
  const held = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!held) return port;
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

/** A process that has exited but is not reaped: sh starts `sleep 0`, then becomes `sleep 30`, which never waits for it. */
export async function zombiePid(): Promise<number> {
  const shell = spawnTracked('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 30']);
  const pid = await new Promise<number>((resolve) => shell.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  await waitFor(() => /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), `pid ${pid} to be a zombie`);
  return pid;
}

/** The pid of a process that has exited and been reaped: nothing runs under it (until the kernel hands it out again). */
export async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('the child did not start');
  return child.pid;
}
