import { createServer } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliEnv, clientFor, pathsIn, startTestDaemon } from './helpers/daemon.js';
import { startClient, startHolder, type Holder } from './helpers/holders.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';
import { processExists } from '../src/system/proc-stat.js';

interface KillJson {
  dryRun: boolean;
  daemon: string;
  ports: Array<{ port: number; listening: boolean; free: boolean; allocation: { service: string | null } | null; release: string | null }>;
  processes: Array<{ pid: number | null; ports: number[]; action: string; signal: string | null; reason: string | null; uid: number | null }>;
}

/** A CLI home with no daemon running (ports kill must not start one). */
function home() {
  const dir = useTempDir();
  const env = cliEnv(dir);
  const run = (...args: string[]) => runCli(args, env);
  /**
   * `ports kill` for real, after a dry run shows it would stop only `ours`: on a shared machine a
   * port from the kernel is ours alone on its address, and this makes sure of it before signalling.
   */
  const kill = async (ours: number[], ...args: string[]) => {
    const dry = JSON.parse((await run('kill', ...args, '--dry-run', '--json')).stdout) as KillJson;
    const strangers = dry.processes.filter((p) => p.action === 'would_stop' && !ours.includes(p.pid ?? -1));
    if (strangers.length > 0) throw new Error(`refusing to run: ports kill would also stop ${JSON.stringify(strangers)}`);
    const result = await run('kill', ...args, '--json');
    return { code: result.code, stderr: result.stderr, json: JSON.parse(result.stdout) as KillJson };
  };
  return { dir, env, run, kill };
}

const alive = (holder: Holder) => holder.child.exitCode === null && holder.child.signalCode === null && processExists(holder.pid);

describe('ports kill', () => {
  it('stops a plain TCP listener with SIGTERM and leaves its client and a listener on a longer port number running', async () => {
    const { kill } = home();
    const other = await startHolder(['tcp:127.0.0.1:0']);
    const otherPort = other.ports[0] ?? 0;
    // A target whose digits start the other port's (34101 → 3410, 341 …): the first we can bind.
    let target: Holder | null = null;
    for (let digits = String(otherPort).length - 1; digits > 0 && !target; digits--) {
      target = await startHolder([`tcp:127.0.0.1:${String(otherPort).slice(0, digits)}`]).catch(() => null);
    }
    if (!target) throw new Error(`no prefix of ${otherPort} could be bound`);
    const port = target.ports[0] ?? 0;
    const client = await startClient('127.0.0.1', port);

    const { code, json } = await kill([target.pid], String(port));
    expect(code).toBe(0);
    expect(json.processes).toEqual([expect.objectContaining({ pid: target.pid, ports: [port], action: 'stopped', signal: 'SIGTERM' })]);
    expect(json.ports).toEqual([expect.objectContaining({ port, listening: true, free: true, allocation: null, release: null })]);
    expect(json.daemon).toBe('not_running');
    expect(await target.exited).toBe('SIGTERM');
    // Only the listener: its client and the server on the longer port number live on.
    expect(client.exitCode === null && client.signalCode === null && processExists(client.pid ?? 0)).toBe(true);
    expect(alive(other)).toBe(true);
  });

  it('SIGKILLs a listener that ignores SIGTERM once --timeout has passed', async () => {
    const { kill } = home();
    const stubborn = await startHolder(['tcp:127.0.0.1:0'], { ignoreTerm: true });
    const port = String(stubborn.ports[0]);
    const started = Date.now();
    const { code, json } = await kill([stubborn.pid], port, '--timeout', '300ms');
    expect(code).toBe(0);
    expect(json.processes).toEqual([expect.objectContaining({ pid: stubborn.pid, action: 'stopped', signal: 'SIGKILL' })]);
    expect(await stubborn.exited).toBe('SIGKILL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it.each([
    ['an IPv6-only TCP listener on ::1', 'tcp:::1:0'],
    ['a UDP socket bound on 127.0.0.1', 'udp:127.0.0.1:0'],
    ['a UDP socket bound on ::1', 'udp:::1:0'],
  ])('stops %s', async (_what, spec) => {
    const { kill } = home();
    const holder = await startHolder([spec]);
    const { code, json } = await kill([holder.pid], String(holder.ports[0]));
    expect(code).toBe(0);
    expect(json.processes).toEqual([expect.objectContaining({ pid: holder.pid, action: 'stopped', signal: 'SIGTERM' })]);
    expect(await holder.exited).toBe('SIGTERM');
  });

  it('signals a process on several named ports once, and takes a port named twice once', async () => {
    const { kill } = home();
    const holder = await startHolder(['tcp:127.0.0.1:0', 'udp:127.0.0.1:0']);
    const [tcp, udp] = holder.ports.map(String) as [string, string];
    const { code, json } = await kill([holder.pid], tcp, udp, tcp);
    expect(code).toBe(0);
    expect(json.ports.map((p) => p.port)).toEqual([Number(tcp), Number(udp)]);
    expect(json.processes).toEqual([expect.objectContaining({ pid: holder.pid, ports: [Number(tcp), Number(udp)].sort((a, b) => a - b), action: 'stopped' })]);
  });

  it('--dry-run stops nothing and says what it would stop', async () => {
    const { run } = home();
    const holder = await startHolder(['tcp:127.0.0.1:0']);
    const port = String(holder.ports[0]);
    const text = await run('kill', port, '--dry-run');
    expect(text.code).toBe(0);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain(`would stop pid ${holder.pid} (`);
    const json = JSON.parse((await run('kill', port, '--dry-run', '--json')).stdout) as KillJson;
    expect(json).toMatchObject({ dryRun: true, processes: [{ pid: holder.pid, action: 'would_stop', signal: null }] });
    expect(alive(holder)).toBe(true);
  });

  it('escapes a listener’s command line in its text output', async () => {
    const { run } = home();
    // First among the arguments, so the 80 characters shown include it.
    const holder = await startHolder(['--\u001b[2J\nFAKE', 'tcp:127.0.0.1:0']);
    const result = await run('kill', String(holder.ports[0]), '--dry-run');
    expect(result.stderr).toContain('--\\x1b[2J\\nFAKE');
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^would stop pid \d+ \(.*\) on \d+$/)]);
  });

  it('exits 0 on a port nothing listens on, and says so', async () => {
    const { run } = home();
    // A port from the kernel, given back: nothing of ours listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await run('kill', String(port));
    // Another process could take the port meanwhile; then this test says nothing about it.
    if (!result.stderr.includes('nothing listens')) return;
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toContain(`nothing listens on ${port}`);
  });

  it('releases the allocation of a port it freed, through the running daemon', async () => {
    const { dir, kill } = home();
    await startTestDaemon(dir);
    const client = await clientFor(pathsIn(dir).socketPath);
    const { allocation } = await client.allocate({ service: 'leak', pid: null, owner: 'job-1', range: { start: 15000, end: 24999 } });
    const holder = await startHolder([`tcp:127.0.0.1:${allocation.port}`]);
    const { code, json, stderr } = await kill([holder.pid], String(allocation.port));
    expect(code, stderr).toBe(0);
    expect(json.daemon).toBe('running');
    expect(json.ports).toEqual([expect.objectContaining({ port: allocation.port, free: true, release: 'released', allocation: expect.objectContaining({ service: 'leak' }) })]);
    expect((await client.status()).allocations).toEqual([]);
  });

  it('leaves an allocation alone when nothing listened on its port', async () => {
    const { dir, run } = home();
    await startTestDaemon(dir);
    const client = await clientFor(pathsIn(dir).socketPath);
    const { allocation } = await client.allocate({ service: 'idle', pid: null, range: { start: 15000, end: 24999 } });
    const result = await run('kill', String(allocation.port));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`nothing listens on ${allocation.port} (still allocated to idle; \`ports release ${allocation.port}\` frees it)`);
    expect((await client.status()).allocations.map((a) => a.port)).toEqual([allocation.port]);
  });

  it('never stops its own caller: exit 1, the listener named', async () => {
    const { run } = home();
    // This test process runs `ports`, so it is the CLI's parent.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const result = await run('kill', String(port), '--force', '--json');
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as KillJson;
    expect(json.processes).toEqual([expect.objectContaining({ pid: process.pid, action: 'skipped', reason: expect.stringContaining('runs this ports command') })]);
    expect(json.ports[0]?.free).toBe(false);
    expect(server.listening).toBe(true);
  });

  it.runIf(process.getuid?.() === 0)('as root, leaves another user’s listener running unless --force', async () => {
    const { kill } = home();
    const nobody = await startHolder(['tcp:127.0.0.1:0'], { uid: 65534 });
    const port = String(nobody.ports[0]);
    const polite = await kill([nobody.pid], port);
    expect(polite.code).toBe(1);
    expect(polite.json.processes).toEqual([expect.objectContaining({ pid: nobody.pid, uid: 65534, action: 'skipped', reason: 'process of another user (uid 65534; use --force)' })]);
    expect(polite.json.ports).toEqual([expect.objectContaining({ free: false })]);
    expect(alive(nobody)).toBe(true);
    const forced = await kill([nobody.pid], port, '--force');
    expect(forced.code).toBe(0);
    expect(forced.json.processes).toEqual([expect.objectContaining({ pid: nobody.pid, action: 'stopped' })]);
    expect(await nobody.exited).toBe('SIGTERM');
  });

  it.each([
    [['0']],
    [['65536']],
    [['80x']],
    [['080']],
    [['3000-3005']],
    [['80', '--timeout', 'soon']],
  ])('refuses %j with exit 2 and a ports: message', async (args) => {
    const { run } = home();
    const result = await run('kill', ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ports: (PORT|--timeout): /);
  });
});
