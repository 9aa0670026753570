import { spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BIN, cliEnv, clientFor, pathsIn, startTestDaemon } from './helpers/daemon.js';
import { startHolder } from './helpers/holders.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

function home() {
  const dir = useTempDir();
  const env = cliEnv(dir);
  return { dir, env, run: (...args: string[]) => runCli(args, env) };
}

/** An HTTP server in this process on 127.0.0.1 (port from the kernel) answering with `answer(n)` to the n-th request. */
async function httpServer(answer: (n: number, path: string, response: ServerResponse) => void) {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    answer(paths.length, request.url ?? '', response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as { port: number }).port, paths };
}

/** `ports wait` in the background, so the test can change the world while it waits. */
function startWait(env: NodeJS.ProcessEnv, args: string[]) {
  const child = spawn(process.execPath, [BIN, 'wait', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

describe('ports wait --http', () => {
  it('waits through 500s until the path answers 200', async () => {
    const { run } = home();
    const server = await httpServer((n, _path, response) => response.writeHead(n <= 2 ? 500 : 200).end());
    const result = await run('wait', String(server.port), '--http', '/health?deep=1', '--timeout', '20s', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ port: server.port, host: '127.0.0.1', path: '/health?deep=1', status: 200 });
    expect(server.paths.length).toBeGreaterThanOrEqual(3);
    expect(new Set(server.paths)).toEqual(new Set(['/health?deep=1']));
  });

  it('counts a redirect as an answer and does not follow it', async () => {
    const { run } = home();
    const server = await httpServer((_n, path, response) => (path === '/start' ? response.writeHead(302, { location: '/broken' }).end() : response.writeHead(500).end()));
    const result = await run('wait', String(server.port), '--http', '/start', '--timeout', '10s');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`port ${server.port} answered GET /start with 302 on 127.0.0.1`);
    expect(server.paths).not.toContain('/broken');
  });

  it('times out with exit 7 naming the last status it saw', async () => {
    const { run } = home();
    const server = await httpServer((_n, _path, response) => response.writeHead(404).end());
    const result = await run('wait', String(server.port), '--http', '/ready', '--timeout', '500ms');
    expect(result.code).toBe(7);
    expect(result.stderr).toContain(`waiting for port ${server.port} to answer GET /ready with 2xx or 3xx on 127.0.0.1 or ::1 (last answer: HTTP 404 from 127.0.0.1)`);
  });

  it.each([
    [['--http', 'health'], '--http: the path must start with "/"'],
    [['--http', '/x', '--free'], '--http and --free cannot be used together'],
  ])('refuses %j with exit 2', async (flags, message) => {
    const { run } = home();
    const result = await run('wait', '3000', ...flags);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`ports: ${message}`);
  });
});

describe('ports wait --free', () => {
  it('times out while something listens, naming it, and returns once it has exited', async () => {
    const { env, run } = home();
    const holder = await startHolder(['tcp:::1:0']);
    const port = String(holder.ports[0]);
    const held = await run('wait', port, '--free', '--timeout', '300ms');
    expect(held.code).toBe(7);
    expect(held.stderr).toContain(`waiting for port ${port} to be free (still held by pid ${holder.pid} (`);

    const waiting = startWait(env, [port, '--free', '--timeout', '20s', '--json']);
    holder.child.kill('SIGTERM');
    const done = await waiting.done;
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ target: port, port: Number(port), free: true });
  });

  it('counts a bound UDP socket as not free', async () => {
    const { run } = home();
    const holder = await startHolder(['udp:127.0.0.1:0']);
    const result = await run('wait', String(holder.ports[0]), '--free', '--timeout', '200ms');
    expect(result.code).toBe(7);
  });

  it('waits on the port of a service, also after its allocation was released', async () => {
    const { dir, env, run } = home();
    await startTestDaemon(dir);
    const client = await clientFor(pathsIn(dir).socketPath);
    const { allocation } = await client.allocate({ service: 'web', pid: null, range: { start: 15000, end: 24999 } });
    const holder = await startHolder([`tcp:127.0.0.1:${allocation.port}`]);
    await client.release({ ports: [allocation.port] });
    const held = await run('wait', 'web', '--free', '--timeout', '200ms');
    expect(held.code).toBe(7);
    expect(held.stderr).toContain(`waiting for web (port ${allocation.port}) to be free`);

    const waiting = startWait(env, ['web', '--free', '--timeout', '20s']);
    holder.child.kill('SIGTERM');
    const done = await waiting.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain(`web (port ${allocation.port}) is free`);
    const unknown = await run('wait', 'never-allocated', '--free', '--timeout', '200ms');
    expect(unknown.code).toBe(5);
  });
});
