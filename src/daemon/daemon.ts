/**
 * The daemon's lifecycle. `startDaemon` runs named steps — check paths → take the lock → open
 * the audit file → open the state → wire the core → listen → portserver → metrics → background
 * work — and registers how to undo each on one teardown stack. A start that fails unwinds that
 * stack; `close` (idempotent) stops accepting, then runs the same stack: HealthMonitor and
 * backups → metrics → portserver → connections (after in-flight requests) → state flushed →
 * audit trail → lock released → log flushed (docs/operations.md "Graceful shutdown").
 */
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { PortsError } from '../errors.js';
import { createSystemProbes, type HealthProbes } from '../health/probes.js';
import { createListenerStopper } from '../health/stop-listeners.js';
import type { PortserverServer } from '../portserver/server.js';
import { startPortserver } from '../portserver/start.js';
import type { DaemonInfo } from '../protocol/results.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { socketPathProblem, statePaths, type StatePaths } from '../shared/paths.js';
import { openStateStore } from '../state/open-store.js';
import { refreshBackup, stateFiles, writeRecoveryReport, type RecoveryReport, type StateFiles } from '../state/recovery.js';
import { createFsStorage } from '../state/storage-fs.js';
import type { StateStore } from '../state/store.js';
import { readEphemeralRange } from '../system/ephemeral-range.js';
import { readFdLimit } from '../system/fd-limit.js';
import { findPortHolders } from '../system/port-holders.js';
import { createBindProbe, describeBindPlan, detectBindPlan } from '../system/port-probe.js';
import { ensurePrivateDir } from '../system/private-dir.js';
import { createProcInspector, type ProcessInspector } from '../system/process-info.js';
import type { ListenFds } from '../system/socket-activation.js';
import { clearStaleSocket } from '../system/unix-socket.js';
import { PACKAGE_VERSION, PROTOCOL_VERSION } from '../version.js';
import { createAuditFile } from './audit.js';
import { createDaemonCore, type DaemonCore } from './core.js';
import { checkInheritedSocket } from './inherited-socket.js';
import type { LogFormat } from './log-pretty.js';
import { createDaemonLogger } from './logger.js';
import { startMetricsServer } from './metrics-http.js';
import { ownFiles, refuseLinks } from './own-files.js';
import { portserverAllocator } from './portserver-allocator.js';
import { createSocketServer } from './server.js';
import { createSettingsHolder, daemonSettings, reloadedSettings, type DaemonSettings, type HostFacts, type SettingsHolder } from './settings.js';
import { acquireInstanceLock } from './single-instance.js';
import { createTeardown, type Teardown } from './teardown.js';

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

type Inherited = Extract<ListenFds, { kind: 'inherited' }>;

/** Step: the socket path fits, both folders are private, an inherited socket is the one we resolve, and no file we write is a link. */
async function checkPaths(options: DaemonOptions, paths: StatePaths): Promise<{ inherited: Inherited | null; notes: string[] }> {
  const { socketPath } = options;
  const tooLong = socketPathProblem(socketPath);
  if (tooLong) throw new PortsError('E_PATH', tooLong, { socket: socketPath });
  await ensurePrivateDir(paths.dir, { allowGroupRead: true });
  await ensurePrivateDir(dirname(socketPath), { allowGroupRead: false });
  const activation = options.listenFds ?? { kind: 'none' };
  if (activation.kind === 'invalid') throw new PortsError('E_CONFIG', `Socket activation: ${activation.reason}`, { socket: socketPath });
  const inherited = activation.kind === 'inherited' ? activation : null;
  const notes = inherited ? (await checkInheritedSocket(inherited.fd, socketPath)).warnings : [];
  // A symlink at any file the daemon writes stops the start (nothing is written through a link,
  // and a log or audit trail that quietly went nowhere would be worse than not starting).
  await refuseLinks(ownFiles(paths));
  return { inherited, notes };
}

/** Step: open the state (journal replay, migration or recovery), report a recovery. */
async function openState(settings: DaemonSettings, paths: StatePaths, files: StateFiles, clock: Clock, log: Logger): Promise<{ store: StateStore; recovery: RecoveryReport | null }> {
  const opened = await openStateStore({
    storage: createFsStorage(paths.dir),
    clock,
    log: log.child({ component: 'state' }),
    compaction: settings.store.compaction,
    stickyMax: settings.store.stickyMax,
  });
  const { recovery } = opened;
  if (recovery) {
    await writeRecoveryReport(files, recovery).catch((error: unknown) => log.warn({ err: error }, 'could not write last-recovery.json'));
    log.error({ recovery }, `the state needed recovery: ${recovery.reason}`);
  }
  if (opened.migratedFrom !== null) log.info({ from: opened.migratedFrom }, `migrated state.json from schemaVersion ${opened.migratedFrom}`);
  return { store: opened.store, recovery };
}

/** Step: Google portpicker's portserver protocol on a second socket, when configured (src/portserver/). */
async function servePortserver(
  settings: DaemonSettings,
  context: { socketPath: string; core: DaemonCore; processes: ProcessInspector; log: Logger; teardown: Teardown },
): Promise<void> {
  if (settings.portserver === null) return;
  const { core } = context;
  const portserver: PortserverServer = await startPortserver({
    path: settings.portserver.socket,
    settings: settings.portserver,
    mainSocket: context.socketPath,
    allocator: portserverAllocator(core.allocations),
    processes: context.processes,
    maxConnections: settings.budget.portserver,
    log: context.log.child({ component: 'portserver' }),
    onResult: (result) => core.metrics.portserverRequests.inc({ result }),
  });
  context.teardown.add('portserver', () => portserver.close());
}

/** Step: /metrics over HTTP, when configured. A port that cannot be bound is logged, not fatal: `ports metrics` still works. */
async function serveMetrics(settings: DaemonSettings, core: DaemonCore, log: Logger, teardown: Teardown): Promise<void> {
  if (settings.metrics === null) return;
  try {
    const server = await startMetricsServer({ host: settings.metrics.host, port: settings.metrics.port, metrics: core.metrics });
    teardown.add('metrics endpoint', () => server.close());
  } catch (error) {
    log.error({ err: error, port: settings.metrics.port }, 'cannot serve metrics over HTTP; they stay available through `ports metrics`');
  }
}

/** Step: keep state.json.bak recent (what a corrupt state.json falls back to). A state that needed recovery is not copied over the last good one. */
function scheduleBackups(files: StateFiles, recovered: boolean, log: Logger, teardown: Teardown): void {
  const backUp = (): void => {
    refreshBackup(files).catch((error: unknown) => log.warn({ err: error }, 'could not refresh state.json.bak'));
  };
  // Not in the first requests' way: a copy of a large state is megabytes read and written.
  const first = recovered ? undefined : setTimeout(backUp, FIRST_BACKUP_AFTER_MS);
  first?.unref();
  const every = setInterval(backUp, BACKUP_INTERVAL_MS);
  every.unref();
  teardown.add('backups', () => {
    clearTimeout(first);
    clearInterval(every);
  });
}

/** `info()` for hello and status: who the daemon is and the connection limits in force. */
function describeDaemon(facts: { startedAt: number; clock: Clock; socketPath: string; paths: StatePaths; socketActivated: boolean; settings: SettingsHolder }): () => DaemonInfo {
  const { startedAt, clock } = facts;
  return () => {
    const { budget } = facts.settings.current();
    return {
      pid: process.pid,
      version: PACKAGE_VERSION,
      protocol: PROTOCOL_VERSION,
      startedAt: new Date(startedAt).toISOString(),
      uptimeMs: clock.now() - startedAt,
      socket: facts.socketPath,
      stateDir: facts.paths.dir,
      socketActivated: facts.socketActivated,
      limits: {
        maxConnections: budget.main,
        portserverMaxConnections: budget.portserver,
        fdLimit: budget.fdLimit,
        fdReserve: budget.reserve,
        limitedByFds: budget.limitedByFds,
      },
    };
  };
}

function logStarted(log: Logger, details: { options: DaemonOptions; paths: StatePaths; settings: DaemonSettings; store: StateStore; inherited: Inherited | null; notes: string[]; host: object }): void {
  const { options, paths, settings, store, inherited, notes } = details;
  const { budget } = settings;
  log.info(
    { socket: options.socketPath, socketActivated: inherited !== null, stateDir: paths.dir, version: PACKAGE_VERSION, allocations: store.allocations.size, ...details.host, connections: budget },
    'daemon started',
  );
  const activation = options.listenFds;
  if (activation?.kind === 'ignored') log.info({ reason: activation.reason }, 'socket activation variables ignored; the daemon binds its socket itself');
  if (inherited && inherited.extra > 0) {
    log.warn({ fds: inherited.extra + 1, names: inherited.names }, `the service manager passed ${inherited.extra + 1} sockets; the daemon serves fd ${inherited.fd} and ignores the other ${inherited.extra}`);
  }
  for (const note of notes) log.warn({ fd: inherited?.fd }, note);
  if (budget.limitedByFds) {
    log.warn(
      { fdLimit: budget.fdLimit, reserve: budget.reserve, maxConnections: budget.main, configured: settings.config.limits.max_connections },
      `at most ${budget.main} connections: the descriptor limit is ${budget.fdLimit} and ${budget.reserve} are kept for the daemon's own work (raise the hard limit, e.g. LimitNOFILE= or ulimit -Hn, for more)`,
    );
  }
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, socketPath } = options;
  const clock = options.clock ?? systemClock;
  const processes = options.processes ?? createProcInspector(clock);
  const paths = statePaths(options.stateDir);
  const files = stateFiles(paths.stateFile);

  const { inherited, notes } = await checkPaths(options, paths);
  const log =
    options.logger ??
    createDaemonLogger({
      file: paths.daemonLog,
      level: config.log_level,
      stderr: options.foreground ? (options.stderrLog ?? { format: 'json', colour: false }) : false,
    });
  const teardown = createTeardown(log);
  const startedAt = clock.now();
  let accepting = true;
  let ready = false;
  let closing: Promise<void> | null = null;
  let stopReason = 'close';
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  /** Stop accepting, then undo every step. Only a started daemon closes; a failing start unwinds itself. */
  const close = (reason: string): Promise<void> => {
    closing ??= (async () => {
      log.info({ reason }, 'daemon stopping');
      stopReason = reason;
      accepting = false;
      await teardown.run();
      log.info({ reason }, 'daemon stopped');
      log.flush?.();
      resolveClosed();
    })();
    return closing;
  };

  try {
    const startTime = (await processes.inspect(process.pid))?.startTime ?? null;
    const lock = await acquireInstanceLock(
      paths,
      { pid: process.pid, startTime, socket: socketPath, version: PACKAGE_VERSION, startedAt: new Date(startedAt).toISOString() },
      (error) => {
        log.error({ err: error }, 'the state folder lock was taken by someone else; stopping');
        if (ready) void close('lock compromised');
      },
    );
    teardown.add('lock', () => lock.release());

    const [ephemeral, bindPlan] = await Promise.all([readEphemeralRange(), detectBindPlan()]);
    // Read once: connections get the descriptor limit minus a reserve for the daemon's own work (connection-budget.ts).
    const host: HostFacts = { ephemeral, fdLimit: readFdLimit() };
    const settings: SettingsHolder = createSettingsHolder(daemonSettings(config, host));
    const initial = settings.current();

    const auditFile = createAuditFile({
      path: paths.auditLog,
      maxBytes: initial.audit.maxBytes,
      keepFiles: initial.audit.keepFiles,
      onError: (error) => log.error({ err: error }, `cannot write ${paths.auditLog}; audit events now reach only \`ports events\` until a restart`),
    });
    // The trail once the core exists (it also drops `events --follow` listeners); the file until then.
    let audit: { close(): Promise<void> } = auditFile;
    teardown.add('audit', () => audit.close());

    // An inherited socket is live by definition and not ours to replace.
    if (!inherited) await clearStaleSocket(socketPath);
    const { store, recovery } = await openState(initial, paths, files, clock, log);
    teardown.add('state', async () => {
      await store.close();
      await refreshBackup(files).catch(() => undefined);
    });

    const info = describeDaemon({ startedAt, clock, socketPath, paths, socketActivated: inherited !== null, settings });
    const core = createDaemonCore({
      settings,
      store,
      probe: createBindProbe(bindPlan),
      processes,
      holders: findPortHolders,
      healthProbes: options.healthProbes ?? createSystemProbes(),
      stopper: createListenerStopper(),
      clock,
      log,
      auditFile,
      info,
      accepting: () => accepting,
      // Reply first, then stop.
      requestShutdown: () => setImmediate(() => void close('shutdown request')),
      processMetrics: true,
    });
    audit = core.audit;

    const server = createSocketServer(core.handler, () => settings.current().connections, log);
    try {
      await server.listen(inherited ? { fd: inherited.fd } : socketPath);
    } catch (error) {
      const what = inherited ? `the socket passed on fd ${inherited.fd} (${socketPath})` : socketPath;
      throw new PortsError('E_PATH', `Cannot listen on ${what}: ${(error as Error).message}`, { socket: socketPath }, { cause: error });
    }
    teardown.add('connections', async () => {
      // Recorded before connections close, so `events --follow` subscribers see it too.
      if (ready) core.audit.record({ type: 'daemon.stopped', details: { pid: process.pid, reason: stopReason } });
      await server.close(ready ? settings.current().shutdownTimeoutMs : 0);
    });

    await servePortserver(initial, { socketPath, core, processes, log, teardown });
    await serveMetrics(initial, core, log, teardown);

    if (recovery) core.audit.record({ type: 'state.recovered', reason: recovery.reason, details: { ...recovery } });
    scheduleBackups(files, recovery !== null, log, teardown);
    // The first cycle one interval after start, like every later one: a cycle over a large state
    // must not stand between the daemon and its first answers.
    core.monitor.start({ firstCycleInMs: initial.health.checkIntervalMs });
    teardown.add('health monitor', () => core.monitor.stop());
    core.audit.record({ type: 'daemon.started', details: { pid: process.pid, version: PACKAGE_VERSION, allocations: store.allocations.size } });
    logStarted(log, { options, paths, settings: initial, store, inherited, notes, host: { ephemeral, bindTest: describeBindPlan(bindPlan) } });
    ready = true;

    return {
      paths,
      socketPath,
      store,
      log,
      core,
      info,
      reload(next: Config): string[] {
        const { settings: reloaded, notes } = reloadedSettings(settings.current(), daemonSettings(next, host));
        settings.replace(reloaded);
        log.level = reloaded.logLevel;
        log.info({ notes }, 'configuration reloaded');
        return notes;
      },
      close: (reason = 'close') => close(reason),
      closed,
    };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}
