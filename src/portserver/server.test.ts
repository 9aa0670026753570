import { existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import { waitFor } from '../../test/helpers/daemon.js';
import type { PortserverHandler, PortserverOutcome } from './handler.js';
import { createPortserverServer, type PortserverResult } from './server.js';

type Step = string | { pause: number } | 'shutdown' | 'destroy';

interface Conversation {
  /** Everything the server sent. */
  reply: string;
  /** How many reads it took (a single write arrives as one). */
  reads: number;
  /** The client's socket error, if any (EPIPE when turned away before it wrote). */
  error?: string;
}

/** A raw client: connect, play the steps, collect the reply until the server closes. */
function converse(path: string, steps: Step[]): Promise<Conversation> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ reply: Buffer.concat(chunks).toString('latin1'), reads: chunks.length, ...(error ? { error } : {}) }));
    const play = async (): Promise<void> => {
      for (const step of steps) {
        if (step === 'shutdown') socket.end();
        else if (step === 'destroy') socket.destroy();
        else if (typeof step === 'string') socket.write(step);
        else await new Promise((wake) => setTimeout(wake, step.pause));
      }
    };
    // A step that throws ends the conversation with its error, as a socket error would.
    socket.once('connect', () => {
      play().catch((e: unknown) => socket.destroy(e as Error));
    });
  });
}

const allocated = (port: number, onRelease: () => void = () => undefined): PortserverOutcome => ({
  result: 'allocated',
  pid: 4242,
  port,
  release: async () => onRelease(),
});

/** A server on a temp socket whose handler answers with `answer` (after `delayMs`), recording requests and results. */
async function serve(options: { answer?: () => PortserverOutcome | Promise<PortserverOutcome>; delayMs?: number; timeoutMs?: number; maxConnections?: number } = {}) {
  const path = join(useTempDir(), 'ps.sock');
  const requests: string[] = [];
  const results: PortserverResult[] = [];
  const handler: PortserverHandler = async (request) => {
    requests.push(Buffer.from(request).toString('latin1'));
    if (options.delayMs) await new Promise((wake) => setTimeout(wake, options.delayMs));
    return (options.answer ?? (() => allocated(40000)))();
  };
  const silent = () => undefined;
  const server = createPortserverServer({
    handler,
    timeoutMs: options.timeoutMs ?? 2000,
    maxConnections: options.maxConnections ?? 100,
    log: { info: silent, debug: silent, warn: silent },
    onResult: (result) => results.push(result),
  });
  await server.listen(path);
  onTestFinished(() => server.close());
  return { path, server, requests, results };
}

describe('portserver socket server', () => {
  it('replies "<port>\\n" in one write, then closes', async () => {
    const { path, requests, results } = await serve();
    expect(await converse(path, ['4242\n'])).toEqual({ reply: '40000\n', reads: 1 });
    expect(requests).toEqual(['4242\n']);
    expect(results).toEqual(['allocated']);
  });

  it('makes the socket 0600', async () => {
    const { path } = await serve();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('reads on until the newline when the request comes in pieces', async () => {
    const { path, requests } = await serve();
    expect((await converse(path, ['42', { pause: 50 }, '42\n'])).reply).toBe('40000\n');
    expect(requests).toEqual(['4242\n']);
  });

  it('takes the bytes before EOF as the request, and still replies on the half-closed connection', async () => {
    const { path, requests } = await serve();
    expect((await converse(path, ['4242', 'shutdown'])).reply).toBe('40000\n');
    expect(requests).toEqual(['4242']);
  });

  it('stops reading at 100 bytes', async () => {
    const { path, requests } = await serve();
    await converse(path, ['1'.repeat(150)]);
    expect(requests).toEqual(['1'.repeat(100)]);
  });

  it.each<[string, PortserverOutcome]>([
    ['a refusal', { result: 'refused', requested: '1', reason: 'init', message: 'init' }],
    ['an unparsable request', { result: 'invalid', message: 'no' }],
    ['exhaustion', { result: 'exhausted', pid: 4242, message: 'none left' }],
    ['an error', { result: 'error', requested: '4242', error: new Error('boom') }],
  ])('closes without a reply on %s', async (_what, outcome) => {
    const { path, results } = await serve({ answer: () => outcome });
    expect(await converse(path, ['4242\n'])).toEqual({ reply: '', reads: 0 });
    expect(results).toEqual([outcome.result]);
  });

  it('closes the connection when the handler throws', async () => {
    const { path, results } = await serve({ answer: () => Promise.reject(new Error('bug')) });
    expect((await converse(path, ['4242\n'])).reply).toBe('');
    expect(results).toEqual(['error']);
  });

  it('closes a connection that sends nothing once its time is up', async () => {
    const { path, results, requests } = await serve({ timeoutMs: 150 });
    const started = Date.now();
    expect((await converse(path, [])).reply).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(results).toEqual(['timeout']);
    expect(requests).toEqual([]);
  });

  it('closes a trickler at the same deadline: bytes that never finish a request do not extend it', async () => {
    const { path, results, requests } = await serve({ timeoutMs: 300 });
    const started = Date.now();
    const drip: Step[] = Array.from({ length: 40 }, () => ['4', { pause: 25 }] as Step[]).flat();
    expect((await converse(path, drip)).reply).toBe('');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(900);
    expect(results).toEqual(['timeout']);
    expect(requests).toEqual([]);
  });

  it('gives the port back when the deadline passes before the reply is ready', async () => {
    let released = 0;
    const { path, results } = await serve({ timeoutMs: 100, delayMs: 300, answer: () => allocated(40001, () => released++) });
    expect((await converse(path, ['4242\n'])).reply).toBe('');
    await waitFor(() => results.length > 0, 'the result');
    expect(results).toEqual(['timeout']);
    expect(released).toBe(1);
  });

  it('gives the port back when the client left before the reply', async () => {
    let released = 0;
    const { path, results } = await serve({ delayMs: 100, answer: () => allocated(40002, () => released++) });
    await converse(path, ['4242\n', 'destroy']);
    await waitFor(() => results.length > 0, 'the result');
    expect(results).toEqual(['abandoned']);
    expect(released).toBe(1);
  });

  it('serves clients concurrently, one request each', async () => {
    let next = 41000;
    const { path } = await serve({ delayMs: 20, answer: () => allocated(next++) });
    const replies = await Promise.all(Array.from({ length: 20 }, () => converse(path, ['4242\n'])));
    expect(new Set(replies.map((r) => r.reply)).size).toBe(20);
  });

  it('turns away connections over maxConnections', async () => {
    const { path, server } = await serve({ maxConnections: 1, timeoutMs: 5000 });
    const first = converse(path, [{ pause: 300 }, '4242\n']);
    await waitFor(() => server.connections === 1, 'the first connection');
    expect((await converse(path, ['4242\n'])).reply).toBe('');
    expect((await first).reply).toBe('40000\n');
  });

  it('close() drops connections still reading, answers requests in flight, and unlinks the socket', async () => {
    const { path, server, requests } = await serve({ delayMs: 200 });
    const silent = converse(path, []);
    const inFlight = converse(path, ['4242\n']);
    await waitFor(() => server.connections === 2 && requests.length === 1, 'both connections');
    await server.close();
    expect((await silent).reply).toBe('');
    expect((await inFlight).reply).toBe('40000\n');
    expect(existsSync(path)).toBe(false);
    await server.close();
  });
});
