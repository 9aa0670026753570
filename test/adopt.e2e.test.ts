import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuditEvent } from '../src/protocol/events.js';
import { findPortHolders } from '../src/system/port-holders.js';
import { cliEnv, clientFor, startTestDaemon, waitFor, waitForExit } from './helpers/daemon.js';
import { LISTEN_FIXTURE, startHolder } from './helpers/holders.js';
import { startSleeper } from './helpers/processes.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/** A real daemon with a fast HealthMonitor, and the CLI pointed at it (never starting another). */
async function adoptHome() {
  const dir = useTempDir();
  const daemon = await startTestDaemon(dir, { health_monitoring: { check_interval_ms: 100, max_failures: 2, startup_grace_ms: 2000 } });
  const client = await clientFor(daemon.socketPath);
  const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
  const run = (...args: string[]) => runCli(args, env);
  return { dir, daemon, client, run };
}

interface AllocateJson {
  port: number;
  existing: boolean;
  adopted: boolean;
  allocation: { port: number; service: string | null; pid: number | null };
}

/** `sh` that starts a listener in the background and waits for it: the listener is the shell's child, not the shell. */
async function shellWithListener(): Promise<{ shell: number; listener: number; port: number }> {
  const child = spawn('/bin/sh', ['-c', '"$0" "$1" tcp:127.0.0.1:0 & echo "child $!"; wait', process.execPath, LISTEN_FIXTURE], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let seen = '';
  const found = await new Promise<{ listener: number; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the shell's listener did not start within 10 s: ${seen}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const pid = /child (\d+)/.exec(seen);
      const port = /listening (\d+)/.exec(seen);
      if (pid && port) {
        clearTimeout(timer);
        resolve({ listener: Number(pid[1]), port: Number(port[1]) });
      }
    });
  });
  onTestFinished(() => {
    // The listener first: a shell killed first would leave it running, reparented.
    try {
      process.kill(found.listener, 'SIGKILL');
    } catch {
      // gone already
    }
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { shell: child.pid ?? 0, ...found };
}

const createdEvent = (events: AuditEvent[], port: number) => events.find((event) => event.type === 'allocation.created' && event.allocation?.port === port);

describe('adopting a server that already listens', () => {
  it('registers a listener under its own pid, and the HealthMonitor reclaims it once it dies', async () => {
    const { daemon, client, run } = await adoptHome();
    const holder = await startHolder(['tcp:127.0.0.1:0']);
    const port = holder.ports[0] ?? 0;

    const allocated = await run('allocate', 'web', '--port', String(port), '--pid', String(holder.pid), '--json');
    expect(allocated.code, allocated.stderr).toBe(0);
    expect(JSON.parse(allocated.stdout)).toMatchObject({ port, existing: false, adopted: true, allocation: { port, service: 'web', pid: holder.pid } });
    // It already listens: healthy from the first cycles, not "starting" for the grace period.
    const createdAt = Date.parse(daemon.store.allocations.get(port)?.createdAt ?? '');
    await waitFor(() => daemon.store.allocations.get(port)?.health.status === 'healthy', 'the adopted server to be seen healthy');
    expect(Date.now() - createdAt).toBeLessThan(2000);

    const who = await run('who', String(port));
    expect(who.stdout).toContain(`  allocated: web to pid ${holder.pid}`);
    expect(who.stdout).toContain(`  listening: pid ${holder.pid} `);
    expect(who.stdout).not.toContain('to register it');

    const { events } = await client.events({ limit: 100 });
    expect(createdEvent(events, port)).toMatchObject({
      allocation: { port, service: 'web', pid: holder.pid },
      details: { adopted: true, listener: { pid: holder.pid, command: expect.stringContaining('listen.mjs') } },
    });
    expect((await client.metrics()).text).toMatch(/^ports_allocations_total\{result="adopted"\} 1$/m);

    holder.child.kill('SIGKILL');
    await holder.exited;
    await waitFor(() => !daemon.store.allocations.has(port), 'the adopted allocation to be reclaimed');
    expect((await client.status()).recentReleases).toEqual([expect.objectContaining({ reason: 'process_dead', allocation: expect.objectContaining({ port, service: 'web' }) })]);
  });

  it('registers a listener that is a child of the owner pid, under the owner, and says which process listens', async () => {
    const { client, run } = await adoptHome();
    const { shell, listener, port } = await shellWithListener();

    const allocated = await run('allocate', 'child-web', '--port', String(port), '--pid', String(shell));
    expect(allocated.code, allocated.stderr).toBe(0);
    expect(allocated.stdout).toBe(`${port}\n`);
    expect(allocated.stderr).toMatch(new RegExp(`^adopted port ${port}: pid ${listener} \\(.*listen\\.mjs tcp:127\\.0\\.0\\.1:0\\) already listens on it$`, 'm'));

    expect((await client.status()).allocations).toEqual([expect.objectContaining({ port, service: 'child-web', pid: shell })]);
    const { events } = await client.events({ limit: 100 });
    expect(createdEvent(events, port)?.details).toMatchObject({ adopted: true, listener: { pid: listener } });
  });

  it('refuses a port held by an unrelated process, naming its pid and escaped command line', async () => {
    const { client, run } = await adoptHome();
    const owner = await startSleeper();
    const holder = await startHolder(['--name=\u001b[31mred', 'tcp:127.0.0.1:0'], { shortCommand: true });
    const port = holder.ports[0] ?? 0;

    const refused = await run('allocate', 'web', '--port', String(port), '--pid', String(owner.pid));
    expect(refused.code).toBe(6);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).not.toContain('\u001b');
    // The daemon escapes the command line in its message; the CLI prints it as it is (no doubled backslash).
    expect(refused.stderr).toBe(`ports: Port ${port} is in use by pid ${holder.pid} (${process.execPath} listen.mjs --name=\\x1b[31mred tcp:127.0.0.1:0)\n`);

    await expect(client.allocate({ service: 'web', port, pid: owner.pid ?? 0 })).rejects.toMatchObject({
      code: 'E_CONFLICT',
      message: `Port ${port} is in use by pid ${holder.pid} (${process.execPath} listen.mjs --name=\\x1b[31mred tcp:127.0.0.1:0)`,
      details: { port, holders: [{ pid: holder.pid, command: `${process.execPath} listen.mjs --name=\u001b[31mred tcp:127.0.0.1:0` }] },
    });
    expect((await client.status()).allocations).toEqual([]);
  });

  it('ports who suggests the command that registers an unallocated listener, and following it works', async () => {
    const { run } = await adoptHome();
    const folder = join(useTempDir(), 'my-api');
    mkdirSync(folder);
    const holder = await startHolder(['tcp:127.0.0.1:0'], { cwd: folder });
    const port = holder.ports[0] ?? 0;
    const suggested = `ports allocate my-api --port ${port} --pid ${holder.pid}`;

    const who = await run('who', String(port));
    expect(who.stdout).toBe(`port ${port}\n  allocated: no\n  listening: pid ${holder.pid} ${process.execPath} ${LISTEN_FIXTURE} tcp:127.0.0.1:0\n  to register it: ${suggested}\n`);
    const json = JSON.parse((await run('who', String(port), '--json')).stdout) as { adopt: unknown };
    expect(json.adopt).toEqual({ pid: holder.pid, service: 'my-api', command: suggested });

    const followed = await run(...suggested.split(' ').slice(1));
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toBe(`${port}\n`);
    expect(followed.stderr).toContain(`adopted port ${port}: pid ${holder.pid} (`);

    const after = await run('who', String(port));
    expect(after.stdout).toContain(`  allocated: my-api to pid ${holder.pid}`);
    expect(after.stdout).not.toContain('to register it');
    expect((JSON.parse((await run('who', String(port), '--json')).stdout) as { adopt: unknown }).adopt).toBeNull();
  });

  it('never adopts for a reservation (--no-pid): the port stays a conflict until an owner pid is given', async () => {
    const { client, run } = await adoptHome();
    const holder = await startHolder(['tcp:127.0.0.1:0']);
    const port = holder.ports[0] ?? 0;

    const reserved = await run('allocate', 'held', '--port', String(port), '--no-pid', '--json');
    expect(reserved.code).toBe(6);
    expect(JSON.parse(reserved.stdout)).toMatchObject({ ok: false, error: { code: 'E_CONFLICT', message: expect.stringContaining(`is in use by pid ${holder.pid} (`) } });
    expect((await client.status()).allocations).toEqual([]);

    const owned = await run('allocate', 'held', '--port', String(port), '--pid', String(holder.pid), '--json');
    expect((JSON.parse(owned.stdout) as AllocateJson).adopted).toBe(true);
  });

  it('answers a repeat of the adopting request with the existing allocation', async () => {
    const { client } = await adoptHome();
    const holder = await startHolder(['tcp:127.0.0.1:0']);
    const port = holder.ports[0] ?? 0;
    const first = await client.allocate({ service: 'web', port, pid: holder.pid });
    const again = await client.allocate({ service: 'web', port, pid: holder.pid });
    expect([first.adopted, first.existing]).toEqual([true, false]);
    expect([again.adopted, again.existing]).toEqual([false, true]);
    holder.child.kill('SIGKILL');
    await waitForExit(holder.pid);
  });
});

describe('findPortHolders', () => {
  it("sorts a port's holders into the owner's tree and the others", async () => {
    const holder = await startHolder(['tcp:127.0.0.1:0', 'tcp:::1:0']);
    const port = holder.ports[0] ?? 0;
    const stranger = await startSleeper();
    const pids = (listeners: Array<{ pid: number | null }>) => listeners.map((listener) => listener.pid);

    // This process started the holder: it is this process's child.
    const mine = await findPortHolders(port, process.pid);
    expect([pids(mine.inTree), pids(mine.others)]).toEqual([[holder.pid], []]);
    expect(mine.inTree[0]?.command).toContain('listen.mjs');
    const theirs = await findPortHolders(port, stranger.pid ?? 0);
    expect([pids(theirs.inTree), pids(theirs.others)]).toEqual([[], [holder.pid]]);
    const reservation = await findPortHolders(port, null);
    expect([pids(reservation.inTree), pids(reservation.others)]).toEqual([[], [holder.pid]]);
  });
});
