import { once } from 'node:events';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MAX_SOCKET_PATH_BYTES } from '../src/shared/paths.js';
import { createAtomicFile } from '../src/state/atomic-file.js';
import { msSince, summarizeLatencies, type LatencySummary } from './stats.js';

/**
 * What this machine allows at best, measured in the bench process on the same file system:
 * the daemon's own durable write (temp file, fsync, rename, fsync folder) and a kept-open
 * Unix-socket round trip. One sequential pair needs two durable writes, so
 * 1000 / (2 × write ms) pairs/s is the ceiling for one client without group commit.
 */
export interface Baseline {
  durableWrite: LatencySummary;
  /**
   * What an append-only journal would pay instead: one ~300-byte JSON line appended to a file kept
   * open, then fdatasync (no temp file, no rename, no folder fsync). Not what the daemon does today.
   */
  journalAppend: LatencySummary;
  socketRoundTripUs: number;
  oneClientCeilingPairsPerSecond: number;
}

// About the size of a state file holding a couple of allocations.
const STATE_LIKE_TEXT = JSON.stringify({ schemaVersion: 1, allocations: Array.from({ length: 2 }, (_, i) => ({ port: 20000 + i, pad: 'x'.repeat(300) })) });

async function measureDurableWrites(dir: string, ms: number): Promise<LatencySummary> {
  const file = createAtomicFile(join(dir, 'state.json'));
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const start = process.hrtime.bigint();
    await file.write(STATE_LIKE_TEXT);
    samples.push(msSince(start));
  }
  return summarizeLatencies(samples);
}

async function measureJournalAppends(dir: string, ms: number): Promise<LatencySummary> {
  const handle = await open(join(dir, 'journal.log'), 'a', 0o600);
  const line = `${JSON.stringify({ op: 'allocate', allocation: { port: 20000, service: 'web', pid: 12345, pad: 'x'.repeat(220) } })}\n`;
  const samples: number[] = [];
  try {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const start = process.hrtime.bigint();
      await handle.appendFile(line);
      await handle.datasync();
      samples.push(msSince(start));
    }
  } finally {
    await handle.close();
  }
  return summarizeLatencies(samples);
}

async function measureSocketRoundTrip(dir: string, ms: number): Promise<number> {
  const path = join(dir, 'echo.sock');
  // Node truncates a longer path silently and would create the socket somewhere else.
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) throw new Error(`Socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; pass a shorter --dir`);
  const server = createServer((socket) => socket.pipe(socket));
  server.listen(path);
  await once(server, 'listening');
  let client: Socket | null = null;
  try {
    client = createConnection(path);
    await once(client, 'connect');
    const connected = client;
    const roundTrip = (): Promise<void> =>
      new Promise((resolve) => {
        connected.once('data', () => resolve());
        connected.write('{"id":1,"op":"hello"}\n');
      });
    let count = 0;
    const start = performance.now();
    const end = start + ms;
    while (performance.now() < end) {
      await roundTrip();
      count++;
    }
    return ((performance.now() - start) * 1000) / Math.max(count, 1);
  } finally {
    client?.destroy();
    server.close();
  }
}

export async function measureBaseline(options: { baseDir?: string; ms: number }): Promise<Baseline> {
  const dir = await mkdtemp(join(options.baseDir ?? tmpdir(), 'pkb-'));
  try {
    const durableWrite = await measureDurableWrites(dir, options.ms);
    const journalAppend = await measureJournalAppends(dir, Math.min(1000, options.ms));
    const socketRoundTripUs = await measureSocketRoundTrip(dir, Math.min(500, options.ms));
    return { durableWrite, journalAppend, socketRoundTripUs, oneClientCeilingPairsPerSecond: 1000 / (2 * durableWrite.meanMs) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
