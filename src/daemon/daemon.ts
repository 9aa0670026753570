import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { PortsError } from '../errors.js';
import type { DaemonInfo } from '../protocol/results.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { socketPathProblem, statePaths, type StatePaths } from '../shared/paths.js';
import { refreshBackup, stateFiles, writeRecoveryReport, type RecoveryReport } from '../state/recovery.js';
import { createFsStorage } from '../state/storage-fs.js';
import { openStateStore } from '../state/open-store.js';
import type { StateStore } from '../state/store.js';
import { readEphemeralRange } from '../system/ephemeral-range.js';
import { createBindProbe, describeBindPlan, detectBindPlan } from '../system/port-probe.js';
import { createProcInspector, type ProcessInspector } from '../system/process-info.js';
import { PACKAGE_VERSION, PROTOCOL_VERSION } from '../version.js';
import { createSystemProbes, type HealthProbes } from '../health/probes.js';
import type { PortserverServer } from '../portserver/server.js';
import { portserverPool, startPortserver } from '../portserver/start.js';
import { portserverAllocator } from './portserver-allocator.js';
import { createAuditFile } from './audit.js';
import { createDaemonCore, type DaemonCore } from './core.js';
import { startMetricsServer, type MetricsServer } from './metrics-http.js';
import type { LogFormat } from './log-pretty.js';
import { createDaemonLogger } from './logger.js';
import { policyFromConfig } from './policy.js';
import { ownFiles, refuseLinks } from './own-files.js';
import { ensurePrivateDir } from '../system/private-dir.js';
import { connectionBudget } from './connection-budget.js';
import { createSocketServer } from './server.js';
import { readFdLimit } from '../system/fd-limit.js';
import { acquireInstanceLock, type InstanceLock } from './single-instance.js';
import { clearStaleSocket } from '../system/unix-socket.js';
import { checkInheritedSocket } from './inherited-socket.js';
import type { ListenFds } from '../system/socket-activation.js';
import { dirname } from 'node:path';

/**
 * The daemon's lifecycle: start (paths → lock → state → socket) and an idempotent close
 * (stop accepting → finish in-flight → flush state → unlink socket → release lock → flush log).
 */
/** How often state.json.bak is refreshed from the (good) state.json. */
const BACKUP_INTERVAL_MS = 5 * 60_000;
/** The first refresh after a clean start. */
const FIRST_BACKUP_AFTER_MS = 10_000;

export interface DaemonOptions {
  config: Config;
  socketPath: string;
  stateDir: string;
  /** Log to stderr as well as daemon.log. */
  foreground: boolean;
  /** How the stderr copy looks in the foreground (default: JSON lines, no colour). */
  stderrLog?: { format: LogFormat; colour: boolean };
  clock?: Clock;
  processes?: ProcessInspector;
  /** Health probes (tests may pass fakes); default: /proc and real connections. */
  healthProbes?: HealthProbes;
  /** Supply a logger (tests); by default one is made for daemon.log. */
  logger?: Logger;
  /**
   * Socket activation (LISTEN_PID/LISTEN_FDS, read by main.ts): with `inherited`, serve that
   * listening socket instead of binding `socketPath`, which must be where it is bound; the
   * daemon then never clears or unlinks the socket file (the service manager owns it).
   */
  listenFds?: ListenFds;
}

export interface Daemon {
  readonly paths: StatePaths;
  readonly socketPath: string;
  readonly store: StateStore;
  readonly log: Logger;
  readonly core: DaemonCore;
  info(): DaemonInfo;
  /** Apply a new configuration (SIGHUP); returns what needs a restart instead. */
  reload(config: Config): string[];
  /** Graceful stop; safe to call more than once. */
  close(reason?: string): Promise<void>;
  /** Resolves when the daemon has stopped (by close, signal or the shutdown op). */
  readonly closed: Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, socketPath } = options;
  const clock = options.clock ?? systemClock;
  const processes = options.processes ?? createProcInspector(clock);
  const paths = statePaths(options.stateDir);

  const tooLong = socketPathProblem(socketPath);
  if (tooLong) throw new PortsError('E_PATH', tooLong, { socket: socketPath });
  await ensurePrivateDir(paths.dir, { allowGroupRead: true });
  await ensurePrivateDir(dirname(socketPath), { allowGroupRead: false });
  const activation = options.listenFds ?? { kind: 'none' };
  if (activation.kind === 'invalid') throw new PortsError('E_CONFIG', `Socket activation: ${activation.reason}`, { socket: socketPath });
  const inherited = activation.kind === 'inherited' ? activation : null;
  const activationNotes = inherited ? (await checkInheritedSocket(inherited.fd, socketPath)).warnings : [];
  // A symlink at any file the daemon writes stops the start (nothing is written through a link,
  // and a log or audit trail that quietly went nowhere would be worse than not starting).
  await refuseLinks(ownFiles(paths));

  const log = options.logger ?? createDaemonLogger({
      file: paths.daemonLog,
      level: config.log_level,
      stderr: options.foreground ? (options.stderrLog ?? { format: 'json', colour: false }) : false,
    });
  // Opened now, so a file that cannot be written stops the start before the lock is taken.
  const auditFile = createAuditFile({
    path: paths.auditLog,
    maxBytes: config.audit.max_bytes,
    keepFiles: config.audit.keep_files,
    onError: (error) => log.error({ err: error }, `cannot write ${paths.auditLog}; audit events now reach only \`ports events\` until a restart`),
  });
  const startedAt = clock.now();
  const startTime = (await processes.inspect(process.pid))?.startTime ?? null;

  let closeDaemon: (reason: string) => Promise<void> = async () => undefined;
  let lock: InstanceLock;
  try {
    lock = await acquireInstanceLock(
      paths,
      { pid: process.pid, startTime, socket: socketPath, version: PACKAGE_VERSION, startedAt: new Date(startedAt).toISOString() },
      (error) => {
        log.error({ err: error }, 'the state folder lock was taken by someone else; stopping');
        void closeDaemon('lock compromised');
      },
    );
  } catch (error) {
    await auditFile.close();
    throw error;
  }

  let store: StateStore;
  const files = stateFiles(paths.stateFile);
  let recovery: RecoveryReport | null = null;
  try {
    // An inherited socket is live by definition and not ours to replace.
    if (!inherited) await clearStaleSocket(socketPath);
    const opened = await openStateStore({
      storage: createFsStorage(paths.dir),
      clock,
      log: log.child({ component: 'state' }),
      compaction: {
        maxBytes: config.state.journal_max_bytes,
        maxRecords: config.state.journal_max_records,
        idleMs: config.state.compact_idle_ms,
      },
      stickyMax: config.state.sticky_max_entries,
    });
    store = opened.store;
    recovery = opened.recovery;
    if (recovery) {
      await writeRecoveryReport(files, recovery).catch((error: unknown) => log.warn({ err: error }, 'could not write last-recovery.json'));
      log.error({ recovery }, `the state needed recovery: ${recovery.reason}`);
    }
    if (opened.migratedFrom !== null) log.info({ from: opened.migratedFrom }, `migrated state.json from schemaVersion ${opened.migratedFrom}`);
  } catch (error) {
    await auditFile.close();
    await lock.release();
    throw error;
  }

  const [ephemeral, bindPlan] = await Promise.all([readEphemeralRange(), detectBindPlan()]);
  const policy = policyFromConfig(config, ephemeral);
  let accepting = true;
  // Connections get the descriptor limit minus a reserve for the daemon's own work (src/daemon/connection-budget.ts).
  const fdLimit = readFdLimit();
  const budgetFor = (limits: Config['limits']) => connectionBudget({ configured: limits.max_connections, fdLimit, portserver: config.portserver.socket !== null });
  let budget = budgetFor(config.limits);

  const info = (): DaemonInfo => ({
    pid: process.pid,
    version: PACKAGE_VERSION,
    protocol: PROTOCOL_VERSION,
    startedAt: new Date(startedAt).toISOString(),
    uptimeMs: clock.now() - startedAt,
    socket: socketPath,
    stateDir: paths.dir,
    socketActivated: inherited !== null,
    limits: {
      maxConnections: budget.main,
      portserverMaxConnections: budget.portserver,
      fdLimit: budget.fdLimit,
      fdReserve: budget.reserve,
      limitedByFds: budget.limitedByFds,
    },
  });

  const core = createDaemonCore({
    config,
    store,
    policy,
    probe: createBindProbe(bindPlan),
    processes,
    healthProbes: options.healthProbes ?? createSystemProbes(),
    clock,
    log,
    auditFile,
    info,
    accepting: () => accepting,
    requestShutdown: () => {
      // Reply first, then stop.
      setImmediate(() => void closeDaemon('shutdown request'));
    },
    processMetrics: true,
  });
  const handler = core.handler;

  const serverLimits = {
    maxLineBytes: config.limits.max_line_bytes,
    maxConnections: budget.main,
    idleTimeoutMs: config.limits.idle_timeout_ms,
    requestLineTimeoutMs: config.limits.request_line_timeout_ms,
  };
  const server = createSocketServer(handler, serverLimits, log);
  try {
    await server.listen(inherited ? { fd: inherited.fd } : socketPath);
  } catch (error) {
    await store.close();
    await auditFile.close();
    await lock.release();
    const what = inherited ? `the socket passed on fd ${inherited.fd} (${socketPath})` : socketPath;
    throw new PortsError('E_PATH', `Cannot listen on ${what}: ${(error as Error).message}`, { socket: socketPath }, { cause: error });
  }
  // Google portpicker's portserver protocol on a second socket, when configured (src/portserver/).
  let portserver: PortserverServer | null = null;
  if (config.portserver.socket !== null) {
    try {
      portserver = await startPortserver({
        path: config.portserver.socket,
        settings: { pool: portserverPool(config.portserver.range), timeoutMs: config.portserver.timeout_ms },
        mainSocket: socketPath,
        allocator: portserverAllocator(core.allocations),
        processes,
        maxConnections: budget.portserver,
        log: log.child({ component: 'portserver' }),
        onResult: (result) => core.metrics.portserverRequests.inc({ result }),
      });
    } catch (error) {
      await server.close(0);
      await store.close();
      await auditFile.close();
      await lock.release();
      throw error;
    }
  }

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | null = null;
  let backupTimer: NodeJS.Timeout | undefined;
  let firstBackupTimer: NodeJS.Timeout | undefined;
  /** The configuration in force (replaced by reload). */
  let current: Config = config;
  let metricsServer: MetricsServer | null = null;
  closeDaemon = (reason: string) => {
    closing ??= (async () => {
      log.info({ reason }, 'daemon stopping');
      accepting = false;
      clearInterval(backupTimer);
      clearTimeout(firstBackupTimer);
      try {
        await portserver?.close();
        await core.monitor.stop();
        await metricsServer?.close();
        // Recorded before connections close, so `events --follow` subscribers see it too.
        core.audit.record({ type: 'daemon.stopped', details: { pid: process.pid, reason } });
        await server.close(current.limits.shutdown_timeout_ms);
        await store.close();
        await refreshBackup(files).catch(() => undefined);
        await core.audit.close();
      } catch (error) {
        log.error({ err: error }, 'error while stopping');
      } finally {
        await lock.release();
        log.info({ reason }, 'daemon stopped');
        log.flush?.();
        resolveClosed();
      }
    })();
    return closing;
  };

  if (config.metrics.port !== null) {
    try {
      metricsServer = await startMetricsServer({ host: config.metrics.host, port: config.metrics.port, metrics: core.metrics });
    } catch (error) {
      log.error({ err: error, port: config.metrics.port }, 'cannot serve metrics over HTTP; they stay available through `ports metrics`');
    }
  }
  if (recovery) core.audit.record({ type: 'state.recovered', reason: recovery.reason, details: { ...recovery } });
  // Keep state.json.bak recent: it is what a corrupt state.json falls back to. A state that
  // needed recovery is not copied over the last good one.
  const backUp = (): void => {
    refreshBackup(files).catch((error: unknown) => log.warn({ err: error }, 'could not refresh state.json.bak'));
  };
  // Not in the first requests' way: a copy of a large state is megabytes read and written.
  if (!recovery) {
    firstBackupTimer = setTimeout(backUp, FIRST_BACKUP_AFTER_MS);
    firstBackupTimer.unref();
  }
  backupTimer = setInterval(backUp, BACKUP_INTERVAL_MS);
  backupTimer.unref();
  // The first cycle one interval after start, like every later one: a cycle over a large state
  // must not stand between the daemon and its first answers.
  core.monitor.start({ firstCycleInMs: config.health_monitoring.check_interval_ms });
  core.audit.record({ type: 'daemon.started', details: { pid: process.pid, version: PACKAGE_VERSION, allocations: store.allocations.size } });

  log.info(
    { socket: socketPath, socketActivated: inherited !== null, stateDir: paths.dir, version: PACKAGE_VERSION, allocations: store.allocations.size, ephemeral, bindTest: describeBindPlan(bindPlan), connections: budget },
    'daemon started',
  );
  if (activation.kind === 'ignored') log.info({ reason: activation.reason }, 'socket activation variables ignored; the daemon binds its socket itself');
  if (inherited && inherited.extra > 0) {
    log.warn({ fds: inherited.extra + 1, names: inherited.names }, `the service manager passed ${inherited.extra + 1} sockets; the daemon serves fd ${inherited.fd} and ignores the other ${inherited.extra}`);
  }
  for (const note of activationNotes) log.warn({ fd: inherited?.fd }, note);
  if (budget.limitedByFds) {
    log.warn(
      { fdLimit: budget.fdLimit, reserve: budget.reserve, maxConnections: budget.main, configured: config.limits.max_connections },
      `at most ${budget.main} connections: the descriptor limit is ${budget.fdLimit} and ${budget.reserve} are kept for the daemon's own work (raise the hard limit, e.g. LimitNOFILE= or ulimit -Hn, for more)`,
    );
  }

  return {
    paths,
    socketPath,
    store,
    log,
    core,
    info,
    reload(next: Config): string[] {
      // What can change while running changes in place; the rest is reported as needing a restart.
      const notes: string[] = [];
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      if (!same(next.paths, current.paths)) notes.push('paths: restart the daemon to use new socket or state paths');
      if (!same(next.metrics, current.metrics)) notes.push('metrics: restart the daemon to change the HTTP endpoint');
      if (!same(next.portserver, current.portserver)) notes.push('portserver: restart the daemon to change the portserver socket');
      if (!same(next.audit, current.audit)) notes.push('audit: restart the daemon to change audit log rotation');
      if (!same(next.state, current.state)) notes.push('state: restart the daemon to change journal compaction or the sticky-port bound');
      if (config.portserver.socket !== null && budgetFor(next.limits).portserver !== budget.portserver) {
        notes.push('limits.max_connections: the portserver socket keeps its limit until a restart');
      }
      current = next;
      budget = { ...budgetFor(next.limits), portserver: budget.portserver };
      Object.assign(policy, policyFromConfig(next, ephemeral));
      Object.assign(serverLimits, {
        maxLineBytes: next.limits.max_line_bytes,
        maxConnections: budget.main,
        idleTimeoutMs: next.limits.idle_timeout_ms,
        requestLineTimeoutMs: next.limits.request_line_timeout_ms,
      });
      core.reconfigure(next);
      log.level = next.log_level;
      log.info({ notes }, 'configuration reloaded');
      return notes;
    },
    close: (reason = 'close') => closeDaemon(reason),
    closed,
  };
}
