import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

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
