/**
 * The one way a background daemon is started, by autostart and by `ports daemon start`: `ports
 * daemon --foreground --detached` in a session of its own (a terminal's hangup does not reach it),
 * running in / (it holds no folder busy), stdin and stdout ignored, not waited for.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `ports` executable of this package (the service unit runs it too). */
export const BIN_PATH = fileURLToPath(new URL('../../bin/ports', import.meta.url));

export interface DaemonSpawnOptions {
  env: NodeJS.ProcessEnv;
  /** `ports daemon` flags after `--foreground --detached` (absolute paths: the daemon runs in /). */
  args?: readonly string[];
  /** Where its stderr goes (what it prints before its log exists): an open file, or a pipe read here (see `stderr()`). */
  stderr: number | 'pipe';
}

export interface SpawnedDaemon {
  /** Its exit code once it has exited (127: it could not be spawned; 128: a signal ended it); null while it runs. */
  exitCode(): number | null;
  /** What it has printed on a piped stderr so far ('' when stderr went to a file). */
  stderr(): string;
  /** Stop reading a piped stderr, so nothing of the daemon keeps this process running. */
  letGo(): void;
}

/** Spawn the daemon and return at once: the caller waits for it to answer (or exit) in its own way. */
export function spawnDaemon(options: DaemonSpawnOptions): SpawnedDaemon {
  const child = spawn(process.execPath, [BIN_PATH, 'daemon', '--foreground', '--detached', ...(options.args ?? [])], {
    detached: true,
    stdio: ['ignore', 'ignore', options.stderr],
    env: options.env,
    cwd: '/',
  });
  let exitCode: number | null = null;
  let stderr = '';
  child.on('error', () => (exitCode = 127));
  child.on('exit', (code, signal) => (exitCode = code ?? (signal ? 128 : 1)));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.unref();
  return {
    exitCode: () => exitCode,
    stderr: () => stderr,
    letGo: () => child.stderr?.destroy(),
  };
}
