/**
 * The values of a completion that are not in the command tree: from the running daemon
 * (services, ports, owners, pids, types in use), the config (types, log levels) and docs/ (help
 * topics). A Tab must never start a daemon, wait long or print an error: the daemon is asked
 * over the socket directly (no autostart), everything gets at most `timeoutMs` together, and
 * any failure just means fewer candidates.
 */
import { homedir } from 'node:os';
import { PortsClient } from '../../client/client.js';
import { locateSocket } from '../../client/locate.js';
import { connectSocket } from '../../client/socket-transport.js';
import type { StatusResult } from '../../protocol/results.js';
import { PACKAGE_VERSION } from '../../version.js';
import type { Candidate } from './complete.js';
import { allocationCandidates } from './live-values.js';
import type { ValueKind } from './spec.js';

export const LIVE_TIMEOUT_MS = 300;

const FROM_DAEMON = new Set<ValueKind>(['services', 'ports', 'owners', 'pids', 'types']);

/** `status` of the daemon on the usual socket, or null when none answers within `timeoutMs`. */
export async function daemonStatus(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<StatusResult | null> {
  const started = Date.now();
  let client: PortsClient | null = null;
  let timer: NodeJS.Timeout | undefined;
  try {
    client = new PortsClient(await connectSocket({ path: locateSocket(env, homedir()), connectTimeoutMs: timeoutMs }));
    const connected = client;
    const left = Math.max(1, timeoutMs - (Date.now() - started));
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), left)));
    const status = (async () => {
      await connected.hello(`ports-completion/${PACKAGE_VERSION}`);
      return connected.status({});
    })();
    return await Promise.race([status, timeout]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    client?.destroy();
  }
}

async function configValues(kind: ValueKind, env: NodeJS.ProcessEnv): Promise<Candidate[]> {
  if (kind === 'log-levels') {
    const { configSchema } = await import('../../config/schema.js');
    return configSchema.shape.log_level.options.map((value) => ({ value, description: '' }));
  }
  if (kind === 'types') {
    const [{ loadConfig }, { userConfigFile }] = await Promise.all([import('../../config/load.js'), import('../../shared/paths.js')]);
    const { config } = loadConfig({ env, userFile: userConfigFile({ env, home: homedir() }) });
    return Object.entries(config.types).map(([value, range]) => ({ value, description: `${range.start}-${range.end}` }));
  }
  if (kind === 'help') {
    const [{ readDocPages }, { collectTopics }] = await Promise.all([import('../help/docs.js'), import('../help/topics.js')]);
    const topics = collectTopics(readDocPages()).filter((topic) => !topic.command);
    return [{ value: 'topics', description: 'the list of help topics' }, ...topics.map((topic) => ({ value: topic.name, description: topic.title }))];
  }
  return [];
}

export async function fetchValues(kinds: readonly ValueKind[], env: NodeJS.ProcessEnv, timeoutMs = LIVE_TIMEOUT_MS): Promise<Candidate[]> {
  const status = kinds.some((kind) => FROM_DAEMON.has(kind)) ? await daemonStatus(env, timeoutMs) : null;
  const values: Candidate[] = [];
  for (const kind of kinds) {
    try {
      values.push(...(await configValues(kind, env)));
    } catch {
      // An invalid config or missing docs: the daemon's values, if any, still help.
    }
    if (status === null) continue;
    if (kind === 'types') {
      values.push(...Object.keys(status.summary.byType).filter((type) => type !== '-').map((value) => ({ value, description: 'in use' })));
    } else {
      values.push(...allocationCandidates(kind, status.allocations));
    }
  }
  return values;
}
