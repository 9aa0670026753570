import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { connectClient } from '../src/client/client.js';
import type { PortsClient } from '../src/client/client.js';
import { isPortsError } from '../src/errors.js';
import { MAX_SOCKET_PATH_BYTES } from '../src/shared/paths.js';

/**
 * A real daemon in its own process (`node bin/ports daemon --foreground --detached`) with its
 * socket and state in a fresh short temp folder. `stop()` always ends that process (by its pid:
 * SIGTERM, then SIGKILL after a deadline) and removes the folder; it is idempotent.
 */
export interface BenchDaemon {
  readonly pid: number;
  readonly socketPath: string;
  readonly stateDir: string;
  /** Spawn of the daemon process until its first `hello` answer, ms. */
  readonly startMs: number;
  /** When it first answered, on the monotonic clock in µs (as process.hrtime), to slice a CPU profile with. */
  readonly answeredAtUs: number;
  /** Env for clients: this daemon's socket, no autostart. */
  readonly clientEnv: NodeJS.ProcessEnv;
  connect(): Promise<PortsClient>;
  /** VmRSS and VmHWM (peak) of the daemon process, in MiB; null when /proc cannot tell. */
  readMemory(): Promise<{ rssMb: number; peakRssMb: number } | null>;
  /** utime + stime of the daemon process in clock ticks (/proc/<pid>/stat); null when /proc cannot tell. */
  readCpuTicks(): Promise<number | null>;
  /** utime and stime apart, in clock ticks; null when /proc cannot tell. */
  readCpuSplit(): Promise<{ user: number; system: number } | null>;
  /** Context switches (voluntary + involuntary) of all the daemon's threads so far; null when /proc cannot tell. */
  readContextSwitches(): Promise<number | null>;
  /**
   * The last journal record's sequence number on disk (one record per group commit): the
   * highest of the journal segments' last lines and the snapshot's journalSeq; null when
   * unreadable. Two readings apart = the appends made in between.
   */
  readJournalSeq(): Promise<number | null>;
  stop(): Promise<DaemonExit>;
}

export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when SIGTERM was not enough. */
  killed: boolean;
}

export interface StartBenchDaemonOptions {
  /** Parent of the temp folder (default os.tmpdir()); keep it short, sockets allow 107 bytes. */
  baseDir?: string;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** A user config layered over the shipped defaults (written to the temp folder, passed as PORTS_CONFIG). */
  config?: Record<string, unknown>;
  /** A state.json to start from, written into the fresh state folder (0700, file 0600) before the daemon starts. */
  preloadState?: string;
  /** Extra node flags for the daemon process (e.g. --cpu-prof --cpu-prof-dir DIR). */
  nodeArgs?: string[];
  /** Longest pause between two attempts to reach the starting daemon (default 200 ms; small for a start-up figure). */
  pollMs?: number;
}

// Compiled to dist-bench/bench/, so the repository root is two levels up.
const BIN_PORTS = fileURLToPath(new URL('../../bin/ports', import.meta.url));
const STDERR_TAIL_BYTES = 8192;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function daemonEnv(dir: string, socketPath: string, stateDir: string, configPath: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PORTS_')) env[key] = value;
  return {
    ...env,
    PORTS_SOCKET: socketPath,
    PORTS_STATE_DIR: stateDir,
    PORTS_NO_AUTOSTART: '1',
    // No user config file unless the bench wrote one: otherwise the shipped defaults only.
    XDG_CONFIG_HOME: join(dir, 'config'),
    ...(configPath !== null ? { PORTS_CONFIG: configPath } : {}),
  };
}

function waitForExit(child: ChildProcess, exited: Promise<DaemonExit>, ms: number): Promise<DaemonExit | null> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  return Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
}

async function readTail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.slice(-STDERR_TAIL_BYTES);
}

export async function startBenchDaemon(options: StartBenchDaemonOptions = {}): Promise<BenchDaemon> {
  const dir = await mkdtemp(join(options.baseDir ?? tmpdir(), 'pkb-'));
  const socketPath = join(dir, 'run', 'ports.sock');
  const stateDir = join(dir, 'state');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`Socket path ${socketPath} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; pass a shorter --dir`);
  }
  let configPath: string | null = null;
  if (options.config !== undefined) {
    configPath = join(dir, 'config.json');
    await writeFile(configPath, `${JSON.stringify(options.config, null, 2)}\n`).catch(async (error: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw error;
    });
  }
  if (options.preloadState !== undefined) {
    const text = options.preloadState;
    await mkdir(stateDir, { mode: 0o700 })
      .then(() => writeFile(join(stateDir, 'state.json'), text, { mode: 0o600 }))
      .catch(async (error: unknown) => {
        await rm(dir, { recursive: true, force: true });
        throw error;
      });
  }
  const env = daemonEnv(dir, socketPath, stateDir, configPath);

  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN_PORTS, 'daemon', '--foreground', '--detached'], {
    env,
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_BYTES);
  });
  const exited = new Promise<DaemonExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, killed: false }));
  });
  let spawnError: Error | null = null;
  child.once('error', (error) => (spawnError = error));

  let stopping: Promise<DaemonExit> | null = null;
  const stop = (): Promise<DaemonExit> => {
    stopping ??= (async () => {
      try {
        if (child.pid === undefined) return { code: null, signal: null, killed: false };
        child.kill('SIGTERM');
        const graceful = await waitForExit(child, exited, options.stopTimeoutMs ?? 10_000);
        if (graceful) return graceful;
        child.kill('SIGKILL');
        const forced = await waitForExit(child, exited, 5_000);
        return { code: forced?.code ?? null, signal: forced?.signal ?? 'SIGKILL', killed: true };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
    return stopping;
  };

  const connect = (): Promise<PortsClient> => connectClient({ socketPath, autostart: false, env, clientName: 'portkeeper-bench' });

  let startMs = Number.NaN;
  let answeredAtUs = Number.NaN;
  try {
    const pid = await waitUntilAnswering(connect, () => spawnError ?? exitProblem(child), options.readyTimeoutMs ?? 15_000, options.pollMs ?? 200);
    startMs = performance.now() - spawnedAt;
    answeredAtUs = Number(process.hrtime.bigint() / 1000n);
    if (pid !== child.pid) throw new Error(`The socket ${socketPath} is answered by pid ${pid}, not by the daemon the bench started (pid ${child.pid})`);
  } catch (error) {
    const log = await readTail(join(stateDir, 'daemon.log'));
    await stop();
    const detail = [stderr.trim() && `daemon stderr:\n${stderr.trim()}`, log.trim() && `daemon.log (tail):\n${log.trim()}`].filter(Boolean).join('\n');
    throw new Error(`The bench daemon did not start: ${(error as Error).message}${detail ? `\n${detail}` : ''}`, { cause: error });
  }

  return {
    pid: child.pid,
    socketPath,
    stateDir,
    startMs,
    answeredAtUs,
    clientEnv: env,
    connect,
    readMemory: () => readProcessMemory(child.pid as number),
    readCpuTicks: () => readProcessCpuTicks(child.pid as number),
    readCpuSplit: () => readProcessCpuSplit(child.pid as number),
    readContextSwitches: () => readContextSwitches(child.pid as number),
    readJournalSeq: () => readJournalSeq(stateDir),
    stop,
  };
}

function exitProblem(child: ChildProcess): Error | null {
  if (child.exitCode === null && child.signalCode === null) return null;
  return new Error(`the daemon exited (code ${child.exitCode}, signal ${child.signalCode})`);
}

/** Connect and hello until the daemon answers; resolves with the pid it reports. */
async function waitUntilAnswering(connect: () => Promise<PortsClient>, gone: () => Error | null, timeoutMs: number, maxDelayMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (let delay = Math.min(20, maxDelayMs); Date.now() < deadline; delay = Math.min(delay * 2, maxDelayMs)) {
    const problem = gone();
    if (problem) throw problem;
    try {
      const client = await connect();
      const pid = client.daemon?.pid ?? -1;
      await client.close();
      return pid;
    } catch (error) {
      if (!isPortsError(error) || error.code !== 'E_DAEMON_UNREACHABLE') throw error;
      last = error;
    }
    await pause(delay);
  }
  throw new Error(`no answer within ${timeoutMs} ms${last instanceof Error ? ` (${last.message})` : ''}`);
}

const SEGMENT_NAMES = ['state.journal.old', 'state.journal', 'state.journal.next'];
const TAIL_BYTES = 65_536;

/** The `seq` of the last complete line of a journal segment (`<crc> {"seq":N,…}`); null when none. */
async function lastSeqOf(path: string): Promise<number | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return null;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const match = /^[0-9a-f]{8} \{"seq":(\d+),/.exec(lines[i] ?? '');
      if (match?.[1] !== undefined) return Number(match[1]);
    }
    return null;
  } finally {
    await handle.close();
  }
}

/** Sizes of the state files on disk: the snapshot (state.json) and the journal segments together. */
export async function readStateSizes(stateDir: string): Promise<{ snapshotBytes: number | null; journalBytes: number }> {
  const size = (name: string): Promise<number | null> => stat(join(stateDir, name)).then((s) => s.size, () => null);
  const segments = await Promise.all(SEGMENT_NAMES.map(size));
  return { snapshotBytes: await size('state.json'), journalBytes: segments.reduce<number>((sum, bytes) => sum + (bytes ?? 0), 0) };
}

export async function readJournalSeq(stateDir: string): Promise<number | null> {
  const seqs: number[] = [];
  for (const name of SEGMENT_NAMES) {
    const seq = await lastSeqOf(join(stateDir, name));
    if (seq !== null) seqs.push(seq);
  }
  // After a compaction the segments may be empty: the snapshot says how far it got.
  const head = await open(join(stateDir, 'state.json'), 'r')
    .then(async (handle) => {
      try {
        const buffer = Buffer.alloc(512);
        const { bytesRead } = await handle.read(buffer, 0, 512, 0);
        return buffer.toString('utf8', 0, bytesRead);
      } finally {
        await handle.close();
      }
    })
    .catch(() => '');
  const snapshot = /"journalSeq":(\d+)/.exec(head)?.[1];
  if (snapshot !== undefined) seqs.push(Number(snapshot));
  return seqs.length === 0 ? null : Math.max(...seqs);
}

export async function readProcessMemory(pid: number): Promise<{ rssMb: number; peakRssMb: number } | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  if (status === null) return null;
  const kib = (field: string): number | null => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] !== undefined ? Number(match[1]) : null;
  };
  const rss = kib('VmRSS');
  const peak = kib('VmHWM');
  if (rss === null) return null;
  return { rssMb: rss / 1024, peakRssMb: (peak ?? rss) / 1024 };
}

/** utime + stime (fields 14 and 15 of /proc/<pid>/stat), in clock ticks. */
export async function readProcessCpuTicks(pid: number): Promise<number | null> {
  const split = await readProcessCpuSplit(pid);
  return split === null ? null : split.user + split.system;
}

/** Voluntary + involuntary context switches summed over /proc/<pid>/task/*: every thread (libuv's pool included). */
export async function readContextSwitches(pid: number): Promise<number | null> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => null);
  if (tasks === null) return null;
  let total = 0;
  for (const task of tasks) {
    const status = await readFile(`/proc/${pid}/task/${task}/status`, 'utf8').catch(() => '');
    for (const match of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) total += Number(match[1]);
  }
  return total;
}

/** utime and stime (fields 14 and 15 of /proc/<pid>/stat), in clock ticks. */
export async function readProcessCpuSplit(pid: number): Promise<{ user: number; system: number } | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? { user: utime, system: stime } : null;
}

/** Clock ticks per second for /proc/<pid>/stat times (getconf CLK_TCK; 100 when unknown). */
export function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}
