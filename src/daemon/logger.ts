/**
 * The daemon's structured log: JSON lines in daemon.log (0600), and on stderr too in the
 * foreground (JSON, or readable lines on a terminal: log-pretty.ts). Synchronous writes: the log is low-volume and must survive a crash. The file is
 * opened here (O_NOFOLLOW, regular files only, see own-files.ts), not by pino, so a symlink at
 * daemon.log stops the start with a clear error instead of being written through.
 */
import { pino, type Logger } from 'pino';
import { prettyDestination, type LogFormat } from './log-pretty.js';
import { openAppendFile } from './own-files.js';

export interface DaemonLogOptions {
  file: string;
  level: string;
  /** Also log to stderr (the foreground), as JSON lines or readable lines; false: only daemon.log. */
  stderr: false | { format: LogFormat; colour: boolean };
}


/** A log line that cannot be written (full disk, closed stderr) must never take the daemon down. */
function tolerant<T extends { on(event: 'error', listener: (error: Error) => void): unknown }>(stream: T): T {
  stream.on('error', () => undefined);
  return stream;
}

export function createDaemonLogger(options: DaemonLogOptions): Logger {
  const streams: pino.StreamEntry[] = [
    { level: 'trace', stream: tolerant(pino.destination({ fd: openAppendFile(options.file), sync: true })) },
  ];
  if (options.stderr) {
    const stream = options.stderr.format === 'pretty' ? prettyDestination(2, { colour: options.stderr.colour }) : tolerant(pino.destination({ fd: 2, sync: true }));
    streams.push({ level: 'trace', stream });
  }
  return pino({ level: options.level, base: { pid: process.pid } }, pino.multistream(streams));
}

/** A logger that drops everything (tests, the in-memory daemon). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
