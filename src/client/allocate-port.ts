import type { HealthAction } from '../protocol/health-action.js';
import { allocateParamsSchema, type AllocateParams } from '../protocol/messages.js';
import { readProcStat } from '../system/proc-stat.js';
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

export interface AllocatePortOptions extends ConnectOptions {
  /** Service name: the same name gets its last port again when free; the same name asked again by this process gets the same port. */
  service?: string;
  /** A configured service type whose range is searched (`dev`, `api`, `test` …). */
  type?: string;
  /** This exact port, or a PortsError `E_CONFLICT` when it is held. Not with `preferred`. */
  port?: number;
  /** Ports to try first, in order; when none is free, the usual search (get-port's `port` option). */
  preferred?: number | Iterable<number>;
  /** Search only this inclusive range, e.g. `portNumbers(4000, 4099)`; `E_NO_FREE_PORT` when it is full. */
  range?: { readonly start: number; readonly end: number };
  /** Ports never to return. */
  exclude?: number | Iterable<number>;
  /** Lease length in milliseconds (at least 1000): the port is reclaimed after it even if this process lives on. */
  ttlMs?: number;
  /** false: the port need not be listened on; it is kept as long as this process lives. Default true. */
  listenCheck?: boolean;
  /** An owner tag (a CI job id …) that `ports release --owner` and `ports cleanup --owner` select by. */
  owner?: string;
  /** A loopback http(s) URL the daemon's HealthMonitor checks. */
  healthUrl?: string;
  /**
   * What healthUrl failing max_failures times in a row leads to while this process lives and the
   * port is held: `report` (marked unhealthy, kept), `release`, or `kill` (this process's
   * listener on the port gets SIGTERM, then SIGKILL; then released). Default: the daemon's
   * health_monitoring.http_failure_action (`report` unless configured). Needs healthUrl.
   */
  healthAction?: HealthAction;
}

const ALLOCATE_KEYS = ['service', 'type', 'port', 'preferred', 'range', 'exclude', 'ttlMs', 'listenCheck', 'owner', 'healthUrl', 'healthAction', ...CONNECT_OPTION_KEYS] as const;

/** What get-port users (and typos) reach for. */
const ALLOCATE_HINTS: Record<string, string> = {
  ttl: 'use ttlMs (milliseconds)',
  prefer: 'use preferred',
  ports: 'use preferred for ports to try first, or port for one exact port',
  host: 'the daemon tests every local address; there is no host option',
  reserve: 'every port is leased to this process until it exits or is released (releasePort)',
  pid: 'allocatePort leases to this process; use PortsClient.allocate for another owner',
};

const FN = 'allocatePort';

/**
 * The allocate request (without the owner) and the connect options from allocatePort's options;
 * PortsError `E_INVALID_REQUEST` for any misuse. Only fields the caller used are sent, so a
 * daemon that predates one of them still serves calls that do not use it. Pure.
 */
export function readAllocateOptions(value: unknown): { request: Omit<AllocateParams, 'pid'>; connect: ConnectOptions } {
  const options = checkOptionsObject(FN, value);
  checkOptionKeys(FN, options, ALLOCATE_KEYS, ALLOCATE_HINTS);
  const connect = readConnectOptions(FN, options);
  const wire: Record<string, unknown> = {};
  for (const key of ['service', 'type', 'ttlMs', 'listenCheck', 'owner', 'healthUrl', 'healthAction'] as const) {
    if (options[key] !== undefined) wire[key] = options[key];
  }
  const { port, preferred, range, exclude } = options;
  if (port !== undefined) {
    if (typeof port === 'object' && port !== null) {
      throw invalidOption(FN, 'port is one exact port; for ports to try in order, use preferred (a number or an iterable of numbers)');
    }
    wire['port'] = port;
  }
  if (preferred !== undefined) {
    if (port !== undefined) throw invalidOption(FN, 'give port (this exact port) or preferred (ports to try first), not both');
    const list = readPortList(FN, 'preferred', preferred);
    if (list.length > 0) wire['preferred'] = list;
  }
  if (exclude !== undefined) {
    const list = readPortList(FN, 'exclude', exclude);
    if (list.length > 0) wire['exclude'] = list;
  }
  if (range !== undefined) {
    if (range === null || typeof range !== 'object' || !('start' in range) || !('end' in range)) {
      throw invalidOption(FN, `range must be {start, end}, e.g. portNumbers(4000, 4099) (got ${describeValue(range)})`);
    }
    wire['range'] = { start: range.start, end: range.end };
  }
  // The protocol's own schema checks every value (pid stands in for the owner added later).
  const { pid: _pid, ...request } = parseWithSchema(FN, allocateParamsSchema, { ...wire, pid: null });
  if (request.preferred) request.preferred = [...new Set(request.preferred)];
  if (request.exclude) request.exclude = [...new Set(request.exclude)];
  return { request, connect };
}

/**
 * A port leased to this process: the daemon gives it back once this process exits (or, with the
 * listen check on, when nothing listens on it after the start-up grace period). With no options,
 * a new port from the default type's range on every call; with a `service`, the same port again
 * for this process, and the port that service had last when it is free.
 * Every misuse rejects with a PortsError (`E_INVALID_REQUEST`) before anything connects.
 *
 * @example
 * ```ts
 * import { allocatePort, portNumbers } from 'portkeeper';
 * const port = await allocatePort();                                   // like getPort()
 * const web = await allocatePort({ service: 'web', preferred: [3000, 3001] });
 * const api = await allocatePort({ range: portNumbers(8000, 8099), exclude: [8080] });
 * server.listen(port, '127.0.0.1');
 * ```
 */
export async function allocatePort(options?: AllocatePortOptions): Promise<number> {
  const { request, connect } = readAllocateOptions(options);
  const client = await connectClient(connect);
  try {
    const self = await readProcStat(process.pid);
    const { allocation } = await client.allocate({
      ...request,
      pid: process.pid,
      ...(self ? { pidStartTime: self.startTime } : {}),
      cwd: process.cwd(),
      command: process.argv.join(' ').slice(0, 4096),
    });
    return allocation.port;
  } finally {
    await client.close();
  }
}
