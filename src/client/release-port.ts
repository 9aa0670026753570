import { isPortsError } from '../errors.js';
import { releaseParamsSchema, type ReleaseParams } from '../protocol/messages.js';
import type { ConnectOptions } from './connect.js';
import { connectClient } from './client.js';
import {
  checkOptionKeys,
  checkOptionsObject,
  CONNECT_OPTION_KEYS,
  describeValue,
  invalidOption,
  parseWithSchema,
  readConnectOptions,
  readPortList,
} from './option-checks.js';
import { isRefusal } from './refusal.js';

/** Which allocations releasePort gives back. */
export interface ReleasePortSelector {
  /** These ports, whoever holds them. */
  ports?: Iterable<number>;
  /** This service's allocations: this process's, unless `pid` says otherwise. */
  service?: string;
  /** This owner tag's allocations: this process's, unless `pid` says otherwise. */
  owner?: string;
  /** Only this process's allocations; `'any'`: whichever process holds them. */
  pid?: number | 'any';
}

/**
 * Where the daemon is: the connect options of allocatePort, so one object serves both. releasePort
 * never starts a daemon (a new one holds nothing), so `autostart` may only be false.
 */
export type ReleasePortOptions = Omit<ConnectOptions, 'autostart'> & { autostart?: false };

const FN = 'releasePort';
const SELECTOR_KEYS = ['ports', 'service', 'owner', 'pid'] as const;

/** The release request from releasePort's arguments, or null when it names no port at all (`{ports: []}`). Pure. */
export function readReleaseTarget(target: unknown, pid: number): ReleaseParams | null {
  if (typeof target === 'number') {
    if (!Number.isInteger(target) || target < 1 || target > 65535) throw invalidOption(FN, `the port must be a whole number 1-65535 (got ${target})`);
    return { ports: [target] };
  }
  if (target === undefined) throw invalidOption(FN, 'name a port, or { ports }, { service } or { owner }');
  const selector = checkOptionsObject(FN, target, 'the port or selector');
  checkOptionKeys(FN, selector, SELECTOR_KEYS, {
    port: 'use a number (releasePort(3000)) or ports: [3000]',
    socketPath: 'connect options go in the second argument: releasePort(target, { socketPath })',
  });
  const wire: Record<string, unknown> = {};
  if (selector['service'] !== undefined) wire['service'] = selector['service'];
  if (selector['owner'] !== undefined) wire['owner'] = selector['owner'];
  if (selector['ports'] !== undefined) {
    if (typeof selector['ports'] === 'number') throw invalidOption(FN, 'ports must be an iterable of port numbers; for one port, pass the number itself');
    const ports = readPortList(FN, 'ports', selector['ports']);
    if (ports.length > 0) wire['ports'] = ports;
  }
  const chosen = selector['pid'];
  if (chosen !== undefined && chosen !== 'any' && typeof chosen !== 'number') {
    throw invalidOption(FN, `pid must be a process id or 'any' (got ${describeValue(chosen)})`);
  }
  if (typeof chosen === 'number') wire['pid'] = chosen;
  // A service or tag means this process's allocations, as allocatePort made them; named ports mean those ports.
  else if (chosen === undefined && wire['ports'] === undefined && (wire['service'] !== undefined || wire['owner'] !== undefined)) wire['pid'] = pid;
  if (Object.keys(wire).length === 0) {
    // An empty list (say, of the ports a test allocated) releases nothing; naming nothing at all is a mistake.
    if (selector['ports'] !== undefined) return null;
    throw invalidOption(FN, 'name a port, or { ports }, { service } or { owner }');
  }
  const params = parseWithSchema(FN, releaseParamsSchema, wire);
  if (params.ports) params.ports = [...new Set(params.ports)];
  return params;
}

/**
 * Give ports back to the daemon now, instead of when this process exits. Resolves with the
 * ports released (in ascending order; empty when nothing matched). Never starts a daemon, and
 * resolves with `[]` when none runs (or it is shutting down): there is nothing to release, which
 * is what a test's teardown wants. Misuse rejects with a PortsError (`E_INVALID_REQUEST`) before
 * anything connects; a daemon that is there but refuses (full, another user's socket) rejects.
 *
 * @example
 * ```ts
 * import { allocatePort, releasePort } from 'portkeeper';
 * const port = await allocatePort({ service: 'web' });
 * await releasePort(port);                        // [port]
 * await releasePort({ service: 'web' });           // this process's 'web' allocations
 * await releasePort({ ports: [3000, 3001] });
 * ```
 */
export async function releasePort(target: number | ReleasePortSelector, options?: ReleasePortOptions): Promise<number[]> {
  const given = checkOptionsObject(FN, options);
  checkOptionKeys(FN, given, CONNECT_OPTION_KEYS);
  const connect = readConnectOptions(FN, given);
  if (connect.autostart === true) throw invalidOption(FN, 'autostart must be false or left out: releasePort never starts a daemon (a new one holds nothing)');
  const params = readReleaseTarget(target, process.pid);
  if (params === null) return [];
  let client;
  try {
    client = await connectClient({ ...connect, autostart: false });
  } catch (error) {
    if (isNothingRunning(error)) return [];
    throw error;
  }
  try {
    const { released } = await client.release(params);
    return released.map((allocation) => allocation.port).sort((a, b) => a - b);
  } catch (error) {
    if (isNothingRunning(error)) return [];
    throw error;
  } finally {
    await client.close();
  }
}

/** No daemon answers (or it is stopping): nothing it holds can be released by anyone now. */
function isNothingRunning(error: unknown): boolean {
  if (!isPortsError(error)) return false;
  if (error.code === 'E_SHUTTING_DOWN') return true;
  return error.code === 'E_DAEMON_UNREACHABLE' && !isRefusal(error);
}
