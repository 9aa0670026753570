import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BIN, cliEnv, clientFor, pathsIn, ROOT, waitFor } from './helpers/daemon.js';
import { startServer, testPort } from './helpers/processes.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * Out of file descriptors, for real: a process under `prlimit --nofile` whose descriptors are all
 * taken. A check that could not be made is not a failed check; allocation says why it failed.
 */
const HAS_PRLIMIT = spawnSync('prlimit', ['--version']).status === 0;
const dist = (path: string) => pathToFileURL(join(ROOT, 'dist', path)).href;

/** Runs in a child under prlimit: takes every free descriptor, then makes each kind of check. */
const EXHAUSTED_CHECKS = `
import { openSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSystemProbes } from ${JSON.stringify(dist('health/probes.js'))};
import { observeProcess } from ${JSON.stringify(dist('system/process-state.js'))};
import { createBindProbe, detectBindPlan } from ${JSON.stringify(dist('system/port-probe.js'))};
import { readProcStat } from ${JSON.stringify(dist('system/proc-stat.js'))};
import { createProcInspector } from ${JSON.stringify(dist('system/process-info.js'))};

const server = createServer((request) => request.destroy());
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
const plan = await detectBindPlan();
const startTime = (await readProcStat(process.pid)).startTime;
const probes = createSystemProbes();
const held = [];
for (;;) {
  try { held.push(openSync('/dev/null', 'r')); } catch (error) { if (error.code === 'EMFILE') break; throw error; }
}
const listen = await probes.listening([port]);
const processState = observeProcess(process.pid, startTime);
const http = await probes.http('http://127.0.0.1:' + port + '/', { timeoutMs: 1000, slowMs: 500, expected: ['2xx'], signal: new AbortController().signal });
let owner;
try { owner = await createProcInspector().inspect(process.pid); } catch (error) { owner = { code: error.code }; }
let allocate;
try { allocate = { free: await createBindProbe(plan).isFree(port + 1) }; } catch (error) { allocate = { code: error.code, message: error.message }; }
process.stdout.write(JSON.stringify({ held: held.length, listen: { listening: [...listen.listening], unknown: [...listen.unknown] }, port, processState, http, cause: probes.lastUnknownCause(), allocate, owner }));
process.exit(0);
`;

describe.skipIf(!HAS_PRLIMIT)('out of file descriptors', () => {
  it('makes every health check come out unknown, never failed, and allocation fail with E_LIMIT', () => {
    const result = spawnSync('prlimit', ['--nofile=64:64', process.execPath, '--input-type=module', '-e', EXHAUSTED_CHECKS], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout) as {
      held: number;
      port: number;
      listen: { listening: number[]; unknown: number[] };
      processState: string;
      http: string;
      cause: string;
      allocate: { code?: string; message?: string; free?: boolean };
      owner: { code?: string };
    };
    expect(seen.held).toBeGreaterThan(0);
    // The server listens all along: its port must not be reported as "nothing listens".
    expect(seen.listen).toEqual({ listening: [], unknown: [seen.port] });
    expect(seen.processState).toBe('unknown');
    expect(seen.http).toBe('unknown');
    expect(seen.cause).toBe('EMFILE');
    expect(seen.allocate.code).toBe('E_LIMIT');
    expect(seen.allocate.message).toMatch(/out of file descriptors \(EMFILE\)/);
    // The owner of a new allocation cannot be looked at either: refused, not recorded half-known.
    expect(seen.owner).toEqual({ code: 'E_LIMIT' });
  });

  it('keeps live servers through health cycles while clients take every connection it admits', async () => {
    const dir = useTempDir();
    mkdirSync(join(dir, 'config', 'portkeeper'), { recursive: true });
    writeFileSync(
      join(dir, 'config', 'portkeeper', 'config.json'),
      JSON.stringify({ health_monitoring: { check_interval_ms: 150, max_failures: 2, startup_grace_ms: 2500 } }),
    );
    // No autostart: a CLI call that failed must never leave a second daemon behind.
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    const daemon = spawn('prlimit', ['--nofile=256:256', process.execPath, BIN, 'daemon', '--foreground', '--detached'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    onTestFinished(() => {
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    });
    let stderr = '';
    daemon.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const { socketPath } = pathsIn(dir);
    await waitFor(async () => (await runCli(['daemon', 'status'], env)).code === 0, 'the daemon to answer');
    const fds = () => readdirSync(`/proc/${daemon.pid}/fd`).length;

    // Five live servers, allocated before they listen (as `ports run` does): through a client in
    // this process, well inside the servers' delay even on a loaded machine (a CLI process per
    // allocation could take longer than the delay, and meet the server already listening).
    const allocator = await clientFor(socketPath);
    const servers = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const port = await testPort();
        const server = startServer(port, '--delay', '1000');
        await allocator.allocate({ service: `live-${port}`, port, pid: server.pid });
        return { port, server };
      }),
    );
    await allocator.close();
    await Promise.all(servers.map(({ server }) => server.listening));

    // Clients open far more connections than the daemon admits, and keep churning them.
    const open = new Set<Socket>();
    const connectOne = () => {
      const socket = connect(socketPath);
      socket.on('error', () => undefined);
      socket.on('close', () => open.delete(socket));
      open.add(socket);
    };
    onTestFinished(() => {
      for (const socket of open) socket.destroy();
    });
    for (let i = 0; i < 400; i++) connectOne();
    let peakFds = 0;
    const churnUntil = Date.now() + 2500 + 150 * 8; // past the grace period, then eight cycles
    while (Date.now() < churnUntil) {
      let closed = 0;
      for (const socket of open) {
        if (closed++ >= 40) break;
        socket.destroy();
      }
      for (let i = 0; i < 40; i++) connectOne();
      peakFds = Math.max(peakFds, fds());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // Never more descriptors than the limit allows, and a fresh CLI call still gets through.
    expect(peakFds, `peak descriptors of the daemon: ${peakFds}`).toBeLessThan(256);
    const status = await runCli(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as { allocations: Array<{ port: number; health: { failures: number } }>; health: { reclaimed_total: number; cycles: number }; daemon: { limits: { maxConnections: number; fdLimit: number } } };
    expect(parsed.daemon.limits).toMatchObject({ fdLimit: 256, maxConnections: 160 });
    expect(parsed.health.cycles).toBeGreaterThanOrEqual(8);
    expect(parsed.health.reclaimed_total, stderr).toBe(0);
    expect(parsed.allocations.map((a) => a.port).sort()).toEqual(servers.map((s) => s.port).sort());
    const metrics = await runCli(['metrics'], env);
    const unknown = metrics.stdout.split('\n').filter((line) => line.startsWith('ports_health_checks_unknown_total'));
    // The reserve kept the checks possible: none came out unknown.
    expect(unknown).toEqual([]);
  }, 60_000);
});
