/**
 * Wiring for `ports daemon --foreground`: config layers, paths, the real dependencies, signals.
 * Resolves with the process exit code once the daemon has stopped.
 */
import { resolveSetup, type SetupFlags } from '../config/setup.js';
import { isPortsError, toPortsError } from '../errors.js';
import { takeListenFds } from '../system/socket-activation.js';
import { startDaemon, type Daemon } from './daemon.js';
import type { LogFormat } from './log-pretty.js';

export interface DaemonFlags extends SetupFlags {
  /** Log only to daemon.log (the background daemon has no terminal). */
  detached?: boolean;
  /** The stderr copy of the log: `pretty` or `json` (default: pretty on a terminal, JSON otherwise). */
  logFormat?: string;
}

export interface DaemonRunIo {
  env: NodeJS.ProcessEnv;
  message(text: string): void;
  /** Whether stderr is a terminal (readable log lines by default, colour unless NO_COLOR). */
  stderrIsTTY?: boolean;
}

/** The foreground's stderr log: readable on a terminal, JSON lines for tools and files, or as asked. */
export function stderrLogFormat(flags: Pick<DaemonFlags, 'logFormat'>, io: Pick<DaemonRunIo, 'env' | 'stderrIsTTY'>): { format: LogFormat; colour: boolean } {
  const format: LogFormat = flags.logFormat === 'json' || flags.logFormat === 'pretty' ? flags.logFormat : io.stderrIsTTY === true ? 'pretty' : 'json';
  const noColour = (io.env['NO_COLOR'] ?? '') !== '' || io.env['TERM'] === 'dumb';
  return { format, colour: format === 'pretty' && io.stderrIsTTY === true && !noColour };
}

export async function runDaemonForeground(flags: DaemonFlags, io: DaemonRunIo): Promise<number> {
  // A SIGHUP during start-up must not kill the daemon (its default action); it is a no-op until ready.
  const early = () => undefined;
  process.on('SIGHUP', early);
  let daemon: Daemon;
  // Socket activation: read once, then removed (from the process too) so no child inherits them.
  const listenFds = takeListenFds(process.pid, io.env, process.env);
  try {
    const setup = resolveSetup(flags, io.env);
    daemon = await startDaemon({
      config: setup.config,
      socketPath: setup.socketPath,
      stateDir: setup.stateDir,
      foreground: flags.detached !== true,
      stderrLog: stderrLogFormat(flags, io),
      listenFds,
    });
  } catch (error) {
    const wrapped = toPortsError(error);
    io.message(wrapped.code === 'E_INTERNAL' ? `portkeeper daemon failed to start (a bug): ${(error as Error).stack ?? wrapped.message}` : wrapped.message);
    process.off('SIGHUP', early);
    return isPortsError(error) ? wrapped.exitCode : 1;
  }
  process.off('SIGHUP', early);
  const stop = (signal: string) => () => void daemon.close(signal);
  const onTerm = stop('SIGTERM');
  const onInt = stop('SIGINT');
  // SIGHUP: read the configuration again; a bad one is logged and the running one kept.
  const onHup = () => {
    try {
      daemon.reload(resolveSetup(flags, io.env).config);
    } catch (error) {
      daemon.log.error({ err: error }, `configuration not reloaded, keeping the running one: ${(error as Error).message}`);
    }
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', onHup);
  const onFatal = (error: unknown) => {
    daemon.log.fatal({ err: error }, 'uncaught error; stopping');
    process.exitCode = 1;
    void daemon.close('uncaught error');
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  await daemon.closed;
  process.off('SIGTERM', onTerm);
  process.off('SIGINT', onInt);
  process.off('SIGHUP', onHup);
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
