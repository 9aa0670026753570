/**
 * `ports run [-- CMD ARGS...]`: allocate, say which port on stderr, run CMD (no shell; without
 * CMD, the folder's `dev` script) with PORT, HOST and PORTS_SERVICE in its environment, `{port}`
 * in ARGS replaced and, for dev servers that ignore PORT, `--port N` and friends added
 * (run/inject.ts); forward signals (run/signals.ts); pass its exit code through; release when it
 * exits.
 *
 * Off a terminal CMD runs in a process group of its own and a guard process (run/guard.ts) stops
 * that group if the wrapper dies, so nothing outlives the job; on a terminal CMD shares the
 * wrapper's group, so a group kill reaches it directly.
 *
 * The allocation is handed to the command's pid as soon as it runs, so its lifetime follows the
 * command, not this wrapper: if the wrapper is SIGKILLed, the HealthMonitor reclaims the port
 * once the command is gone too.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { constants } from 'node:os';
import { isPortsError, PortsError } from '../../errors.js';
import { isRefusal } from '../../client/refusal.js';
import { readProcStat } from '../../system/proc-stat.js';
import type { CliContext } from '../context.js';
import { escapeText } from '../../shared/escape.js';
import { chosenLine } from '../run/announce.js';
import { startGuard } from '../run/guard.js';
import { planInjection } from '../run/inject.js';
import { devScriptCommand } from '../run/package-manager.js';
import { scriptsOf } from '../run/manifest.js';
import { findPackageManager, readManifest } from '../run/project.js';
import { FORWARDED_SIGNALS, forwardTarget, isTerminalForeground } from '../run/signals.js';
import { allocateRequest, type AllocateFlags } from './allocate.js';

export interface RunFlags extends Omit<AllocateFlags, 'pid'> {
  service?: string;
  envName?: string;
  /** No "ports: web → http://…" line. */
  quiet?: boolean;
  /** false with --no-inject: add no framework flags. */
  inject?: boolean;
}

/** A service name from the folder name when none is given, so a re-run gets its sticky port. */
export function defaultService(cwd: string): string | undefined {
  const name = basename(cwd).replace(/[^A-Za-z0-9._:@/+-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return name.length > 0 ? name.slice(0, 128) : undefined;
}

export function substitutePort(args: readonly string[], port: number): string[] {
  return args.map((arg) => arg.split('{port}').join(String(port)));
}

export async function runRun(command: string[], flags: RunFlags, ctx: CliContext): Promise<number> {
  if (flags.envName !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(flags.envName)) {
    throw new PortsError('E_USAGE', `--env-name: "${flags.envName}" is not an environment variable name`);
  }
  const cwd = process.cwd();
  const manifest = await readManifest(cwd);
  let argv = command;
  if (argv.length === 0) {
    const dev = devScriptCommand({ dir: cwd, manifest, packageManager: await findPackageManager(cwd) });
    if (!dev.ok) throw new PortsError('E_USAGE', dev.message);
    argv = dev.argv;
  }
  const service = flags.service ?? defaultService(cwd);
  const request = await allocateRequest(service, { ...flags, pid: String(process.pid) }, ctx);

  const client = await ctx.connect();
  let port: number;
  try {
    ({ allocation: { port } } = await client.allocate(request));
  } finally {
    await client.close();
  }

  const injection = flags.inject === false ? null : planInjection(argv, { scripts: scriptsOf(manifest), port });
  const [file = '', ...rawArgs] = injection?.ok ? injection.argv : argv;
  if (flags.quiet !== true) {
    ctx.out.message(chosenLine({ service, port, ...(command.length === 0 ? { ran: argv.join(' ') } : {}), injection }));
  }

  const env: NodeJS.ProcessEnv = { ...ctx.env, PORT: String(port), HOST: '127.0.0.1' };
  if (service !== undefined) env['PORTS_SERVICE'] = service;
  if (flags.envName !== undefined) env[flags.envName] = String(port);

  // Its own process group, so signals reach the whole tree (npm → sh → node). Not on a terminal:
  // a background group reading the TTY would be stopped (SIGTTIN), and dev servers read it.
  const ownGroup = process.stdin.isTTY !== true;
  const child = spawn(file, substitutePort(rawArgs, port), { stdio: 'inherit', env, detached: ownGroup });
  // At once, before anything else runs: the guard stops that group if this wrapper dies. Started
  // after the command, so the command cannot inherit the guard's pipe.
  const guard = ownGroup && child.pid !== undefined ? startGuard(child.pid) : null;
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', (error: NodeJS.ErrnoException) => {
      ctx.out.message(`ports run: cannot run ${escapeText(file)}: ${error.code === 'ENOENT' ? 'command not found' : error.message}`);
      resolve(false);
    });
  });

  const release = async (pid: number): Promise<void> => {
    try {
      // No autostart: a daemon that is gone holds nothing of ours, and a new one started only to
      // release a port would be left running after the job.
      const releaser = await ctx.connect({ autostart: false });
      try {
        await releaser.release({ ports: [port], pid });
      } finally {
        await releaser.close();
      }
    } catch (error) {
      if (isPortsError(error) && error.code === 'E_DAEMON_UNREACHABLE' && !isRefusal(error)) return;
      ctx.out.message(`ports run: could not release port ${port} (${(error as Error).message}); the daemon reclaims it once the command is gone`);
    }
  };

  if (!spawned || child.pid === undefined) {
    await release(process.pid);
    return 127;
  }
  const childPid = child.pid;

  const forward = (signal: (typeof FORWARDED_SIGNALS)[number]) => () => {
    // Exactly once: see run/signals.ts (on a terminal, Ctrl-C has already reached the command).
    const target = forwardTarget(signal, { ownGroup, terminalForeground: !ownGroup && isTerminalForeground() });
    if (target === null) return;
    try {
      process.kill(target === 'group' ? -childPid : childPid, signal);
    } catch {
      // Already gone.
    }
  };
  const handlers = FORWARDED_SIGNALS.map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      // The command ended on its own: the guard has nothing left to guard.
      void guard?.disarm();
      resolve({ code, signal });
    }),
  );

  // Hand the port to the command, so it outlives a wrapper killed with SIGKILL only as long as the command does.
  let owner = process.pid;
  try {
    const stat = await readProcStat(childPid);
    const mover = await ctx.connect();
    try {
      await mover.transfer({ port, fromPid: process.pid, toPid: childPid, ...(stat ? { toPidStartTime: stat.startTime } : {}) });
      owner = childPid;
    } finally {
      await mover.close();
    }
  } catch (error) {
    // The command may already have exited; the port is released below either way.
    if (child.exitCode === null && child.signalCode === null) {
      ctx.out.message(`ports run: note: port ${port} stays owned by this wrapper (${(error as Error).message})`);
    }
  }

  const result = await exited;
  await guard?.disarm();
  for (const [signal, handler] of handlers) process.off(signal, handler);
  await release(owner);
  if (result.signal) return 128 + (constants.signals[result.signal] ?? 0);
  return result.code ?? 1;
}
