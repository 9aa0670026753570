import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { defaultSocketPath, userConfigFile } from '../shared/paths.js';

/**
 * Where a client finds the daemon: $PORTS_SOCKET, else `paths.socket` of the user config file,
 * else the XDG default. Kept light (no config validation) because every CLI call runs it.
 */
export function locateSocket(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env['PORTS_SOCKET']) return resolve(env['PORTS_SOCKET']);
  const file = userConfigFile({ env, home });
  try {
    const config = JSON.parse(readFileSync(file.path, 'utf8')) as { paths?: { socket?: unknown } };
    if (typeof config.paths?.socket === 'string' && config.paths.socket.length > 0) return resolve(config.paths.socket);
  } catch {
    // No or unreadable user config: the daemon reports that; the client uses the default.
  }
  return defaultSocketPath({ env, home });
}
