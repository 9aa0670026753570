/**
 * `ports doctor`: paths and permissions, versions, config, the kernel's ephemeral range against
 * the configured ranges, stale allocations, the last recovery. Exit 1 when a check fails.
 */
import { lstat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isPortsError, type PortsError } from '../../errors.js';
import { statePaths, socketPathProblem } from '../../shared/paths.js';
import { formatPortRange, type PortRange } from '../../shared/port-range.js';
import { isRefusal } from '../../client/refusal.js';
import { connectionBudget } from '../../daemon/connection-budget.js';
import type { DaemonLimits } from '../../protocol/results.js';
import { readEphemeralRange } from '../../system/ephemeral-range.js';
import { readFdLimit } from '../../system/fd-limit.js';
import { privateDirProblem, type PrivateDirOptions } from '../../system/private-dir.js';
import { PACKAGE_VERSION } from '../../version.js';
import type { RecoveryReport } from '../../state/recovery.js';
import { linkRefusal, notRegularRefusal, ownFiles } from '../../daemon/own-files.js';
import type { Setup } from '../../config/setup.js';
import type { CliContext, CommonFlags } from '../context.js';
import { escapeText } from '../../shared/escape.js';

type Status = 'ok' | 'warn' | 'fail';

interface Check {
  name: string;
  status: Status;
  message: string;
}

/** A folder the daemon makes at start: what it would refuse there, in its words. */
async function checkFolder(name: string, path: string, options: PrivateDirOptions): Promise<Check> {
  const info = await lstat(path).catch(() => null);
  if (!info) return { name, status: 'ok', message: `${path} does not exist yet (created 0700 at start)` };
  // A link is named as one, as for every file of ours (the daemon refuses it as not a folder).
  if (info.isSymbolicLink()) return { name, status: 'fail', message: linkRefusal(path) };
  const problem = privateDirProblem(path, info, { ...options, uid: process.getuid?.() });
  if (problem) return { name, status: 'fail', message: problem.message };
  return { name, status: 'ok', message: `${path} (mode ${(info.mode & 0o777).toString(8)})` };
}

/** The socket path may hold only a socket (a stale one is replaced at start, anything else refused). */
async function checkSocketPath(path: string): Promise<Check> {
  const tooLong = socketPathProblem(path);
  if (tooLong) return { name: 'socket path', status: 'fail', message: tooLong };
  const info = await lstat(path).catch(() => null);
  if (info?.isSymbolicLink()) return { name: 'socket path', status: 'fail', message: linkRefusal(path) };
  if (info && !info.isSocket()) return { name: 'socket path', status: 'fail', message: `${path} exists and is not a socket; the daemon will not replace it: remove it` };
  return { name: 'socket path', status: 'ok', message: path };
}

/** A folder the daemon makes (its lock): only a link there is worth a line. */
async function checkNotLink(name: string, path: string): Promise<Check | null> {
  const info = await lstat(path).catch(() => null);
  return info?.isSymbolicLink() ? { name, status: 'fail', message: linkRefusal(path) } : null;
}

/** A file the daemon writes: lstat, so a link is reported as one and never given a chmod (which would change its target). */
async function checkPrivateFile(name: string, path: string): Promise<Check | null> {
  const info = await lstat(path).catch(() => null);
  if (!info) return null;
  if (info.isSymbolicLink()) return { name, status: 'fail', message: linkRefusal(path) };
  if (!info.isFile()) return { name, status: 'fail', message: notRegularRefusal(path) };
  const mode = info.mode & 0o777;
  if ((mode & 0o077) !== 0) return { name, status: 'fail', message: `${path} has mode ${mode.toString(8)}; run: chmod 600 ${path}` };
  return { name, status: 'ok', message: `${path} (mode ${mode.toString(8)})` };
}

const RESTORED_FROM = { snapshot: 'state.json', backup: 'the last good copy (state.json.bak)', empty: 'an empty state' } as const;

function describeRecovery(recovery: RecoveryReport): string {
  const kept = recovery.keptAs.length > 0 ? `; kept ${recovery.keptAs.join(', ')}` : '';
  const journal = recovery.journal && recovery.journal.applied > 0 ? ` and ${recovery.journal.applied} journal record(s)` : '';
  return `${recovery.at}: ${escapeText(recovery.reason.split('\n')[0] ?? '')}${kept}; started from ${RESTORED_FROM[recovery.restoredFrom] ?? recovery.restoredFrom}${journal}, ${recovery.allocations} allocation(s)`;
}

function overlaps(a: PortRange, b: PortRange): PortRange | null {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return start <= end ? { start, end } : null;
}

export async function runDoctor(flags: CommonFlags, ctx: CliContext): Promise<number> {
  const checks: Check[] = [];
  checks.push({ name: 'cli', status: 'ok', message: `portkeeper ${PACKAGE_VERSION} on Node ${process.versions.node}` });

  // Config and paths, resolved exactly as the daemon would.
  const { resolveSetup } = await import('../../config/setup.js');
  let setup: Setup | null = null;
  try {
    setup = resolveSetup({}, ctx.env);
    checks.push({ name: 'config', status: 'ok', message: `valid (${setup.files.join(' < ')} < env)` });
  } catch (error) {
    checks.push({ name: 'config', status: 'fail', message: isPortsError(error) ? error.message : String(error) });
  }

  if (setup) {
    checks.push(await checkSocketPath(setup.socketPath));
    checks.push(await checkFolder('socket folder', dirname(setup.socketPath), { allowGroupRead: false }));
    const autostartLog = await checkPrivateFile('autostart log', join(dirname(setup.socketPath), 'autostart.log'));
    if (autostartLog) checks.push(autostartLog);
    checks.push(await checkFolder('state folder', setup.stateDir, { allowGroupRead: true }));
    const paths = statePaths(setup.stateDir);
    // Every file the daemon writes, each only when present.
    for (const { name, path } of [{ name: 'state file', path: paths.stateFile }, ...ownFiles(paths)]) {
      const check = path === paths.lockFile ? await checkNotLink(name, path) : await checkPrivateFile(name, path);
      if (check) checks.push(check);
    }
    const { stateFiles, readLastRecovery } = await import('../../state/recovery.js');
    const recovery = await readLastRecovery(stateFiles(paths.stateFile));
    checks.push(
      recovery
        ? { name: 'last recovery', status: 'warn', message: describeRecovery(recovery) }
        : { name: 'last recovery', status: 'ok', message: 'none: the state file has always loaded' },
    );

    const ephemeral = await readEphemeralRange();
    if (!ephemeral) {
      checks.push({ name: 'ephemeral range', status: 'warn', message: 'cannot read /proc/sys/net/ipv4/ip_local_port_range' });
    } else {
      const clashes = Object.entries(setup.config.types)
        .map(([type, range]) => ({ type, overlap: overlaps(range, ephemeral) }))
        .filter((entry): entry is { type: string; overlap: PortRange } => entry.overlap !== null);
      const portserver = setup.config.portserver;
      if (portserver.socket !== null) {
        const pool = portserver.range ?? setup.config.types['test'] ?? null;
        const clash = pool ? overlaps(pool, ephemeral) : null;
        checks.push(
          clash && setup.config.skip_ephemeral_range
            ? { name: 'portserver', status: 'warn', message: `pool ${formatPortRange(pool as PortRange)} overlaps the ephemeral range (${formatPortRange(clash)} is never handed out); portpicker falls back silently when refused` }
            : { name: 'portserver', status: 'ok', message: `${portserver.socket}, pool ${pool ? formatPortRange(pool) : 'none'}` },
        );
      }
      checks.push(
        clashes.length === 0
          ? { name: 'ephemeral range', status: 'ok', message: `${formatPortRange(ephemeral)}; no configured type overlaps it` }
          : {
              name: 'ephemeral range',
              status: 'warn',
              message: `${formatPortRange(ephemeral)} overlaps ${clashes.map((c) => `${c.type} (${formatPortRange(c.overlap)})`).join(', ')}${setup.config.skip_ephemeral_range ? '; those ports are skipped' : '; skip_ephemeral_range is off, so outgoing connections may take them'}`,
            },
      );
    }
  }

  // The daemon, if one runs (never started by doctor).
  try {
    const client = await ctx.connect({ autostart: false });
    try {
      const hello = client.daemon;
      const version = hello?.version === PACKAGE_VERSION ? 'ok' : 'warn';
      checks.push({ name: 'daemon', status: version, message: `running, pid ${hello?.pid}, portkeeper ${hello?.version}${version === 'warn' ? ` (this CLI is ${PACKAGE_VERSION}: ports daemon restart)` : ''}` });
      const stale = await client.cleanup({ dryRun: true });
      checks.push(
        stale.entries.length === 0
          ? { name: 'stale allocations', status: 'ok', message: 'none' }
          : { name: 'stale allocations', status: 'warn', message: `${stale.entries.length} (${stale.entries.map((e) => `${e.allocation.port}: ${e.reason}`).join(', ')}); run: ports cleanup` },
      );
      const { health, daemon } = await client.status();
      const unknown = health.last_cycle?.unknown ?? 0;
      checks.push({
        name: 'health monitor',
        status: health.enabled && unknown === 0 ? 'ok' : 'warn',
        message: health.enabled
          ? `every ${health.check_interval_ms} ms, ${health.failing_allocations} failing` +
            (unknown > 0 ? `; ${unknown} could not be checked in the last cycle (out of descriptors or memory? see daemon.log); they are kept, not counted as failures` : '')
          : 'disabled in config',
      });
      if (daemon.limits) checks.push(descriptorCheck(daemon.limits, 'the daemon'));
      if (daemon.socketActivated === true) checks.push({ name: 'socket activation', status: 'ok', message: `systemd passed the daemon ${daemon.socket}; it keeps the socket when the daemon stops (ports service status)` });
    } finally {
      await client.close();
    }
  } catch (error) {
    const wrapped = error as PortsError;
    if (isRefusal(error)) {
      // Running, but it would not serve this connection (full, or its accept queue stayed full).
      checks.push({ name: 'daemon', status: wrapped.code === 'E_PATH' ? 'fail' : 'warn', message: wrapped.message });
    } else if (isPortsError(error) && wrapped.code === 'E_DAEMON_UNREACHABLE') {
      checks.push({ name: 'daemon', status: 'ok', message: 'not running (starts on first use)' });
      // What a daemon started from this shell would get (it inherits this limit).
      if (setup) {
        const budget = connectionBudget({ configured: setup.config.limits.max_connections, fdLimit: readFdLimit(), portserver: setup.config.portserver.socket !== null });
        checks.push(
          descriptorCheck(
            { maxConnections: budget.main, portserverMaxConnections: budget.portserver, fdLimit: budget.fdLimit, fdReserve: budget.reserve, limitedByFds: budget.limitedByFds },
            'a daemon started from here',
          ),
        );
      }
    }
    else checks.push({ name: 'daemon', status: 'fail', message: isPortsError(error) ? wrapped.message : String(error) });
  }

  const failed = checks.some((check) => check.status === 'fail');
  if (flags.json) {
    ctx.out.json({ ok: !failed, checks });
  } else {
    const mark = { ok: ctx.out.green('ok  '), warn: ctx.out.yellow('warn'), fail: ctx.out.red('FAIL') };
    for (const check of checks) ctx.out.result(`${mark[check.status]}  ${check.name}: ${check.message}`);
  }
  return failed ? 1 : 0;
}

/** The daemon's descriptor budget: its limit, the reserve it keeps, the connections it admits. */
function descriptorCheck(limits: DaemonLimits, who: string): Check {
  if (limits.fdLimit === null) return { name: 'descriptors', status: 'warn', message: `${who} cannot read its descriptor limit; limits.max_connections (${limits.maxConnections}) alone caps connections` };
  const message = `${who} may open ${limits.fdLimit} descriptors; ${limits.fdReserve} are kept for its own work (state, logs, /proc reads, bind tests), so it admits ${limits.maxConnections} connections`;
  return limits.limitedByFds
    ? { name: 'descriptors', status: 'warn', message: `${message}, fewer than limits.max_connections: raise the hard limit (ulimit -Hn, or LimitNOFILE= in a service unit) for more` }
    : { name: 'descriptors', status: 'ok', message };
}
