import { once } from 'node:events';
import { close, constants, fdatasync, open } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { MAX_SOCKET_PATH_BYTES } from '../src/shared/paths.js';
import { createAtomicFile } from '../src/state/atomic-file.js';
import { encodeRecord } from '../src/state/journal-format.js';
import { writeAll } from '../src/state/storage-fs.js';
import { msSince, summarizeLatencies, type LatencySummary } from './stats.js';

/**
 * What this machine allows at best, measured in the bench process on the file system of the
 * daemons' state folders (a sibling temp folder under the same parent, same device):
 *
 * - the disk floor: one small append made durable, the way the daemon's journal does it (a file
 *   opened O_WRONLY|O_APPEND|O_DSYNC, one write() per line: the append and its fdatasync in one
 *   system call), and the classic way (write() on an O_APPEND file, then fdatasync()). The two
 *   are interleaved sample by sample, so drift of the disk hits both alike. The line is a real
 *   journal record of one allocate (src/state/journal-format.ts), ~130 bytes.
 *   Disk floor = 1000 / (2 × p50 of the O_DSYNC append): the most allocate+release pairs/s one
 *   sequential client can get when each of its two requests waits for its own durable append.
 * - a snapshot write (temp file, fsync, rename, fsync of the folder: what compaction pays, off
 *   the request path);
 * - a kept-open Unix-socket round trip.
 *
 * The disk part is measured twice (before and after the pairs runs) and pooled: the disk's
 * latency drifts over minutes on a shared host, and the targets compare with it.
 */
export interface DiskSamples {
  /** O_APPEND|O_DSYNC file, one write() per line. */
  dsync: number[];
  /** O_APPEND file, write() then fdatasync(). */
  fdatasync: number[];
  /** CPU (user, system) of this process, all threads, spent in each method's samples, µs. */
  cpuUs: { dsync: { user: number; system: number }; fdatasync: { user: number; system: number } };
}

export interface DiskFloor {
  /** The line appended each time (bytes). */
  lineBytes: number;
  dsync: LatencySummary;
  fdatasync: LatencySummary;
  /** CPU of the bench process (all threads, user / system) per append, µs: what one durable append costs the CPU here. */
  cpuPerAppendUs: { dsync: { user: number; system: number }; fdatasync: { user: number; system: number } };
  /** p50 of each phase (before / after the pairs runs), to show drift. */
  phases: Array<{ label: string; dsyncP50Ms: number; fdatasyncP50Ms: number; samples: number }>;
  /** The method the floor uses, and its p50 / p99 (the p99 is the latency target's reference). */
  basis: 'O_DSYNC append';
  p50Ms: number;
  p99Ms: number;
  /** 1000 / (2 × p50Ms). */
  pairsPerSecond: number;
  /** 1000 / (2 × fdatasync p50): the same with write + fdatasync, for comparison. */
  fdatasyncPairsPerSecond: number;
  fileSystem: string;
}

export interface Baseline {
  floor: DiskFloor;
  /** One snapshot write of a small state: temp file, fsync, rename, fsync folder. */
  snapshotWrite: LatencySummary;
  socketRoundTripUs: number;
}

const openAsync = promisify(open);
const closeAsync = promisify(close);
const fdatasyncAsync = promisify(fdatasync);

/** A journal line as the daemon writes it for one allocate of a reservation. */
function journalLine(seq: number): Buffer {
  const at = new Date().toISOString();
  return Buffer.from(encodeRecord({ seq, at, ops: [{ put: { port: 20000 + (seq % 5000), createdAt: at, service: 'pkb-floor' } }] }), 'utf8');
}

/** Interleaved samples of both methods for `ms`, in a fresh folder under `parent`. */
export async function sampleDisk(parent: string, ms: number): Promise<DiskSamples & { lineBytes: number }> {
  const dir = await mkdtemp(join(parent, 'pkf-'));
  const base = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
  let dsyncFd: number | null = null;
  let plainFd: number | null = null;
  const out: DiskSamples = { dsync: [], fdatasync: [], cpuUs: { dsync: { user: 0, system: 0 }, fdatasync: { user: 0, system: 0 } } };
  let lineBytes = 0;
  try {
    dsyncFd = await openAsync(join(dir, 'dsync.journal'), base | constants.O_DSYNC, 0o600);
    plainFd = await openAsync(join(dir, 'plain.journal'), base, 0o600);
    // The files' names are durable before the first sample (as the daemon's journal is).
    const folder = await openAsync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    await fdatasyncAsync(folder).finally(() => closeAsync(folder));
    let seq = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const line = journalLine(++seq);
      lineBytes = line.length;
      // Alternate which goes first, so neither always follows the other's flush.
      const order = seq % 2 === 0 ? (['dsync', 'fdatasync'] as const) : (['fdatasync', 'dsync'] as const);
      for (const method of order) {
        const cpu0 = process.cpuUsage();
        const started = process.hrtime.bigint();
        if (method === 'dsync') {
          await writeAll(dsyncFd, line);
        } else {
          await writeAll(plainFd, line);
          await fdatasyncAsync(plainFd);
        }
        out[method].push(msSince(started));
        const cpu = process.cpuUsage(cpu0);
        out.cpuUs[method].user += cpu.user;
        out.cpuUs[method].system += cpu.system;
      }
    }
  } finally {
    if (dsyncFd !== null) await closeAsync(dsyncFd).catch(() => undefined);
    if (plainFd !== null) await closeAsync(plainFd).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  return { ...out, lineBytes };
}

/** Pool the phases into the floor. */
export function diskFloor(phases: ReadonlyArray<{ label: string; samples: DiskSamples & { lineBytes: number } }>, fileSystem: string): DiskFloor {
  const dsync = summarizeLatencies(phases.flatMap((p) => p.samples.dsync));
  const plain = summarizeLatencies(phases.flatMap((p) => p.samples.fdatasync));
  const perAppend = (method: 'dsync' | 'fdatasync'): { user: number; system: number } => {
    const n = phases.reduce((sum, p) => sum + p.samples[method].length, 0);
    const user = phases.reduce((sum, p) => sum + p.samples.cpuUs[method].user, 0);
    const system = phases.reduce((sum, p) => sum + p.samples.cpuUs[method].system, 0);
    return { user: user / Math.max(1, n), system: system / Math.max(1, n) };
  };
  return {
    lineBytes: phases[0]?.samples.lineBytes ?? 0,
    dsync,
    fdatasync: plain,
    cpuPerAppendUs: { dsync: perAppend('dsync'), fdatasync: perAppend('fdatasync') },
    phases: phases.map((p) => ({
      label: p.label,
      dsyncP50Ms: summarizeLatencies(p.samples.dsync).p50Ms,
      fdatasyncP50Ms: summarizeLatencies(p.samples.fdatasync).p50Ms,
      samples: p.samples.dsync.length,
    })),
    basis: 'O_DSYNC append',
    p50Ms: dsync.p50Ms,
    p99Ms: dsync.p99Ms,
    pairsPerSecond: 1000 / (2 * dsync.p50Ms),
    fdatasyncPairsPerSecond: 1000 / (2 * plain.p50Ms),
    fileSystem,
  };
}

// About the size of a snapshot holding a couple of allocations.
const STATE_LIKE_TEXT = JSON.stringify({ schemaVersion: 2, allocations: Array.from({ length: 2 }, (_, i) => ({ port: 20000 + i, pad: 'x'.repeat(150) })) });

async function measureSnapshotWrites(dir: string, ms: number): Promise<LatencySummary> {
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

/** The snapshot write and the socket round trip (the disk floor is sampled separately, twice). */
export async function measureMachineExtras(options: { baseDir?: string; ms: number }): Promise<Pick<Baseline, 'snapshotWrite' | 'socketRoundTripUs'>> {
  const dir = await mkdtemp(join(options.baseDir ?? tmpdir(), 'pkb-'));
  try {
    const snapshotWrite = await measureSnapshotWrites(dir, options.ms);
    const socketRoundTripUs = await measureSocketRoundTrip(dir, Math.min(500, options.ms));
    return { snapshotWrite, socketRoundTripUs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** True when `a` and `b` are on the same device (the floor is measured where the state lives). */
export async function sameDevice(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]);
  return sa.dev === sb.dev;
}
