/**
 * Where portkeeper keeps its files (XDG, each overridable by env). Pure: env and home in, paths out.
 * docs/operations.md lists the order; PRODUCT.md is the contract.
 */
import { join } from 'node:path';

export interface StatePaths {
  dir: string;
  stateFile: string;
  journalFile: string;
  auditLog: string;
  daemonLog: string;
  lockFile: string;
  pidFile: string;
}

export interface PathEnv {
  env: NodeJS.ProcessEnv;
  home: string;
}

/** Longest Unix socket path Linux accepts: sun_path is 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

function stateHome({ env, home }: PathEnv): string {
  return env['XDG_STATE_HOME'] || join(home, '.local', 'state');
}

export function defaultSocketPath(input: PathEnv): string {
  const runtime = input.env['XDG_RUNTIME_DIR'];
  if (runtime) return join(runtime, 'portkeeper', 'ports.sock');
  return join(stateHome(input), 'portkeeper', 'run', 'ports.sock');
}

export function defaultStateDir(input: PathEnv): string {
  return join(stateHome(input), 'portkeeper');
}

/** The user config file: $PORTS_CONFIG (must exist), else $XDG_CONFIG_HOME/portkeeper/config.json (may be absent). */
export function userConfigFile({ env, home }: PathEnv): { path: string; required: boolean } {
  if (env['PORTS_CONFIG']) return { path: env['PORTS_CONFIG'], required: true };
  const configHome = env['XDG_CONFIG_HOME'] || join(home, '.config');
  return { path: join(configHome, 'portkeeper', 'config.json'), required: false };
}

export function statePaths(dir: string): StatePaths {
  return {
    dir,
    stateFile: join(dir, 'state.json'),
    journalFile: join(dir, 'state.journal'),
    auditLog: join(dir, 'audit.log'),
    daemonLog: join(dir, 'daemon.log'),
    lockFile: join(dir, 'daemon.lock'),
    pidFile: join(dir, 'daemon.pid'),
  };
}

/** Why a socket path cannot be used, or null when it can. */
export function socketPathProblem(path: string): string | null {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    return (
      `Socket path is ${bytes} bytes; Unix sockets allow at most ${MAX_SOCKET_PATH_BYTES}: ${path}. ` +
      'Set PORTS_SOCKET (or XDG_RUNTIME_DIR) to a shorter path.'
    );
  }
  return null;
}
