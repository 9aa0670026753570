import { resolve } from 'node:path';
import { isPortsError, PortsError } from '../../errors.js';
import { PortsClient as Client } from '../../client/client.js';
import { locateSocket } from '../../client/locate.js';
import { isRefusal } from '../../client/refusal.js';
import { connectSocket } from '../../client/socket-transport.js';
import { spawnDaemon } from '../../client/spawn-daemon.js';
import { pause } from '../../shared/pause.js';
import { processEnded } from '../../system/process-state.js';
import { formatAge } from '../duration.js';
import type { CliContext, CommonFlags } from '../context.js';

export interface DaemonStartFlags extends CommonFlags {
  foreground?: boolean;
  /** Internal: started in the background, so log only to daemon.log. */
  detached?: boolean;
  socket?: string;
  stateDir?: string;
  config?: string;
  logLevel?: string;
  portserverSocket?: string;
  logFormat?: string;
}

/** A client that skipped hello: only `shutdown` works on it (the daemon allows that one op first). */
async function connectWithoutHello(ctx: CliContext, socketPath?: string): Promise<Client> {
  return new Client(await connectSocket({ path: socketPath ?? locateSocket(ctx.env) }));
}

export async function connectIfRunning(ctx: CliContext, socketPath?: string): Promise<Client | null> {
  try {
    return await ctx.connect(socketPath !== undefined ? { autostart: false, socketPath } : { autostart: false });
  } catch (error) {
    // A full daemon is running all the same: say so rather than "not running".
    if (isPortsError(error) && error.code === 'E_DAEMON_UNREACHABLE' && !isRefusal(error)) return null;
    throw error;
  }
}

/** A daemon that answered after start-up: its hello, or the exit code of one that failed to start (its errors printed). */
type Started = { ok: true; pid: number | undefined; socket: string | undefined; stateDir: string | undefined } | { ok: false; exitCode: number };

/** Spawn `ports daemon --foreground --detached` with these flags and wait (up to 15 s) until it answers. */
async function startInBackground(flags: DaemonStartFlags, ctx: CliContext): Promise<Started> {
  const args: string[] = [];
  // The daemon runs in /: relative paths are made absolute here.
  if (flags.socket) args.push('--socket', resolve(flags.socket));
  if (flags.stateDir) args.push('--state-dir', resolve(flags.stateDir));
  if (flags.config) args.push('--config', resolve(flags.config));
  if (flags.logLevel) args.push('--log-level', flags.logLevel);
  if (flags.portserverSocket) args.push('--portserver-socket', resolve(flags.portserverSocket));
  const daemon = spawnDaemon({ env: ctx.env, args, stderr: 'pipe' });
  for (let waited = 0; waited < 15_000; waited += 100) {
    await pause(100);
    const exited = daemon.exitCode();
    if (exited !== null) {
      ctx.out.message(daemon.stderr().trim() || `the daemon exited with code ${exited}`);
      return { ok: false, exitCode: exited };
    }
    const client = await connectIfRunning(ctx, flags.socket !== undefined ? resolve(flags.socket) : undefined);
    if (client) {
      const hello = client.daemon;
      await client.close();
      daemon.letGo();
      return { ok: true, pid: hello?.pid, socket: hello?.socket, stateDir: hello?.stateDir };
    }
  }
  daemon.letGo();
  throw new PortsError('E_TIMEOUT', 'The daemon did not answer within 15 s of starting; run `ports daemon --foreground` to see why');
}

export async function runDaemonStart(flags: DaemonStartFlags, ctx: CliContext): Promise<number> {
  if (flags.foreground) {
    const { runDaemonForeground } = await import('../../daemon/main.js');
    return runDaemonForeground(flags, { env: ctx.env, message: (text) => ctx.out.message(text), stderrIsTTY: ctx.out.stderrIsTTY });
  }
  const running = await connectIfRunning(ctx, flags.socket);
  if (running) {
    const pid = running.daemon?.pid;
    await running.close();
    throw new PortsError('E_ALREADY_RUNNING', `portkeeper daemon already running (pid ${pid})`, { pid });
  }
  const started = await startInBackground(flags, ctx);
  if (!started.ok) return started.exitCode;
  if (flags.json) ctx.out.json({ started: true, pid: started.pid, socket: started.socket, stateDir: started.stateDir });
  else ctx.out.message(`portkeeper daemon started (pid ${started.pid}, socket ${started.socket})`);
  return 0;
}

/** What `stopDaemon` stopped: its pid, its state folder when it said it in hello, whether systemd passed its socket. */
interface Stopped {
  pid: number;
  stateDir: string | null;
  socketActivated: boolean;
}

/** Stop the daemon on `socketPath` (default: the located one) and wait until its process is gone; null when none ran. */
export async function stopDaemon(ctx: CliContext, socketPath?: string): Promise<Stopped | null> {
  let client: Client | null;
  let stopped: Stopped;
  try {
    client = await connectIfRunning(ctx, socketPath);
    const hello = client?.daemon;
    stopped = { pid: hello?.pid ?? 0, stateDir: hello?.stateDir ?? null, socketActivated: hello?.socketActivated === true };
  } catch (error) {
    // A daemon of another protocol version: stop it anyway, it is what the user asked for.
    if (!isPortsError(error) || error.code !== 'E_VERSION_MISMATCH') throw error;
    client = await connectWithoutHello(ctx, socketPath);
    stopped = { pid: typeof error.details?.['daemonPid'] === 'number' ? error.details['daemonPid'] : 0, stateDir: null, socketActivated: false };
  }
  if (!client) return null;
  await client.shutdown();
  await client.close();
  const deadline = Date.now() + 30_000;
  // Gone, or a zombie waiting to be reaped (a background daemon's parent is init).
  while (stopped.pid > 0 && !processEnded(stopped.pid, null)) {
    if (Date.now() > deadline) throw new PortsError('E_TIMEOUT', `The daemon (pid ${stopped.pid}) did not stop within 30 s`, { pid: stopped.pid });
    await pause(50);
  }
  return stopped;
}

export async function runDaemonStop(flags: CommonFlags, ctx: CliContext): Promise<number> {
  const stopped = await stopDaemon(ctx);
  if (!stopped) {
    if (flags.json) ctx.out.json({ stopped: false, running: false });
    else ctx.out.message('no portkeeper daemon is running');
    return 0;
  }
  if (flags.json) ctx.out.json({ stopped: true, pid: stopped.pid });
  else ctx.out.message(`portkeeper daemon stopped (pid ${stopped.pid})`);
  return 0;
}

/**
 * `ports daemon restart [start flags]`: `ports daemon stop`, then `ports daemon [start flags]`.
 * The flags are not taken from the daemon that ran (its config, env and flags are resolved
 * afresh, which is what a restart to apply a new config wants), so a state folder that changes
 * is pointed out.
 */
export async function runDaemonRestart(flags: DaemonStartFlags, ctx: CliContext): Promise<number> {
  const stopped = await stopDaemon(ctx, flags.socket !== undefined ? resolve(flags.socket) : undefined);
  if (!flags.json) ctx.out.message(stopped ? `portkeeper daemon stopped (pid ${stopped.pid})` : 'no portkeeper daemon was running');
  if (stopped?.socketActivated) return restartedBySystemd(stopped.pid, flags, ctx);
  if (flags.foreground) return runDaemonStart(flags, ctx);
  const started = await startInBackground(flags, ctx);
  if (!started.ok) return started.exitCode;
  if (flags.json) {
    ctx.out.json({ stoppedPid: stopped?.pid ?? null, started: true, pid: started.pid, socket: started.socket, stateDir: started.stateDir });
    return 0;
  }
  ctx.out.message(`portkeeper daemon started (pid ${started.pid}, socket ${started.socket})`);
  if (stopped?.stateDir && started.stateDir && stopped.stateDir !== started.stateDir) {
    ctx.out.message(`note: the new daemon uses the state folder ${started.stateDir}, the stopped one used ${stopped.stateDir}; to go back: ports daemon restart --state-dir ${stopped.stateDir}`);
  }
  return 0;
}

/**
 * The stopped daemon served a socket systemd holds: the next connection starts the service again
 * (with its unit's settings; start flags do not apply), so connect instead of spawning one.
 */
async function restartedBySystemd(stoppedPid: number, flags: DaemonStartFlags, ctx: CliContext): Promise<number> {
  const client = await connectIfRunning(ctx, flags.socket !== undefined ? resolve(flags.socket) : undefined);
  if (!client) throw new PortsError('E_DAEMON_UNREACHABLE', 'The daemon was socket-activated, but nothing answers on its socket now; see: ports service status');
  const hello = client.daemon;
  await client.close();
  if (flags.json) ctx.out.json({ stoppedPid, started: true, socketActivated: true, pid: hello?.pid, socket: hello?.socket, stateDir: hello?.stateDir });
  else ctx.out.message(`portkeeper daemon started by systemd (pid ${hello?.pid}, socket ${hello?.socket}); the service unit sets its flags (ports service status)`);
  return 0;
}

export async function runDaemonStatus(flags: CommonFlags, ctx: CliContext): Promise<number> {
  const client = await connectIfRunning(ctx);
  if (!client) {
    if (flags.json) ctx.out.json({ running: false });
    else ctx.out.message('no portkeeper daemon is running');
    return 3;
  }
  try {
    const { daemon } = await client.status();
    if (flags.json) {
      ctx.out.json({ running: true, ...daemon });
    } else {
      ctx.out.result(`running: pid ${daemon.pid}, up ${formatAge(daemon.uptimeMs)}`);
      ctx.out.result(`version: portkeeper ${daemon.version}, protocol ${daemon.protocol}`);
      ctx.out.result(`socket: ${daemon.socket}${daemon.socketActivated === true ? ' (socket-activated: systemd holds it)' : ''}`);
      ctx.out.result(`state: ${daemon.stateDir}`);
    }
    return 0;
  } finally {
    await client.close();
  }
}
