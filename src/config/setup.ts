/**
 * Configuration and paths resolved the way the daemon resolves them: config layers (shipped
 * defaults < user file < PORTS_CONFIG < env < flags), then the socket and state paths, made
 * absolute from the current folder. The daemon starts from this and `ports doctor` checks it.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { defaultSocketPath, defaultStateDir, userConfigFile } from '../shared/paths.js';
import { loadConfig } from './load.js';
import type { Config } from './schema.js';

/** The daemon's command-line flags that are configuration. */
export interface SetupFlags {
  socket?: string;
  stateDir?: string;
  /** A config file instead of $PORTS_CONFIG. */
  config?: string;
  logLevel?: string;
  /** Serve the portserver protocol here (config `portserver.socket`). */
  portserverSocket?: string;
}

export interface Setup {
  config: Config;
  /** The config files read, lowest layer first. */
  files: string[];
  socketPath: string;
  stateDir: string;
}

export function resolveSetup(flags: SetupFlags, env: NodeJS.ProcessEnv): Setup {
  const home = homedir();
  const configEnv = flags.config !== undefined ? { ...env, PORTS_CONFIG: resolve(flags.config) } : env;
  const flagLayer: Record<string, unknown> = {};
  const paths: Record<string, unknown> = {};
  if (flags.socket !== undefined) paths['socket'] = flags.socket;
  if (flags.stateDir !== undefined) paths['state_dir'] = flags.stateDir;
  if (Object.keys(paths).length > 0) flagLayer['paths'] = paths;
  if (flags.logLevel !== undefined) flagLayer['log_level'] = flags.logLevel;
  if (flags.portserverSocket !== undefined) flagLayer['portserver'] = { socket: flags.portserverSocket };
  const { config, files } = loadConfig({ env: configEnv, userFile: userConfigFile({ env: configEnv, home }), flags: flagLayer });
  // Relative paths are taken from the current folder (a background daemon runs in /).
  return {
    config,
    files,
    socketPath: resolve(config.paths.socket ?? defaultSocketPath({ env, home })),
    stateDir: resolve(config.paths.state_dir ?? defaultStateDir({ env, home })),
  };
}
