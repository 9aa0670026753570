/**
 * Request → reply, with no socket: validate the line once at the edge (zod), check the
 * handshake, dispatch each op to its service, and turn every failure into a wire error.
 */
import { PortsError, toPortsError } from '../errors.js';
import type { Allocation } from '../protocol/allocation.js';
import { formatIssues, OPS, requestIdSchema, requestSchemas, type Op, type Request, type RequestId, type StatusParams } from '../protocol/messages.js';
import type {
  DaemonInfo,
  EventsResult,
  HealthStatistics,
  HelloResult,
  MetricsResult,
  ReleasedRecord,
  Reply,
  ResultByOp,
  StatusResult,
} from '../protocol/results.js';
import type { Handler, Session } from '../protocol/session.js';
import type { AuditTrail } from './audit.js';
import type { LeaseService } from './lease-service.js';
import { PROTOCOL_VERSION } from '../version.js';
import type { AllocationService } from './allocation-service.js';
import type { StateStore } from '../state/store.js';

export interface HandlerLog {
  error(object: object, message: string): void;
}

export interface HandlerDeps {
  allocations: AllocationService;
  leases: LeaseService;
  store: StateStore;
  health: { statistics(): HealthStatistics; recentReleases(): ReleasedRecord[] };
  audit: AuditTrail;
  metrics: { contentType: string; text(): Promise<string> };
  info(): DaemonInfo;
  /** Asked by the `shutdown` op; the reply is sent before the daemon stops. */
  requestShutdown(): void;
  /** False once the daemon is stopping: new mutations are refused. */
  accepting(): boolean;
  log: HandlerLog;
  /** Observes every request (metrics). */
  onRequest?(op: Op | 'invalid', ok: boolean, seconds: number): void;
}

const MUTATING_OPS: ReadonlySet<Op> = new Set(['allocate', 'release', 'transfer', 'renew', 'cleanup']);

/** The allocations a status request selects, by port, one page of them when it gives a limit. */
function selectAllocations(store: StateStore, params: StatusParams): { allocations: Allocation[]; next: number | null } {
  const { service, owner, type, health, after = 0, limit } = params;
  const ports = service !== undefined ? [...(store.servicePorts(service) ?? [])] : [...store.allocations.keys()];
  ports.sort((a, b) => a - b);
  const allocations: Allocation[] = [];
  for (const port of ports) {
    if (port <= after) continue;
    const allocation = store.allocations.get(port);
    if (
      allocation === undefined ||
      (owner !== undefined && allocation.owner !== owner) ||
      (type !== undefined && allocation.type !== type) ||
      (health !== undefined && (allocation.health.status ?? 'unchecked') !== health)
    ) {
      continue;
    }
    if (limit !== undefined && allocations.length === limit) return { allocations, next: allocations.at(-1)?.port ?? null };
    allocations.push(allocation);
  }
  return { allocations, next: null };
}

function fail(id: RequestId | null, error: PortsError): Reply {
  return { id, ok: false, error: error.toWire() };
}

function readId(message: Record<string, unknown>): RequestId | null {
  const parsed = requestIdSchema.safeParse(message['id']);
  return parsed.success ? parsed.data : null;
}

export function createHandler(deps: HandlerDeps): Handler {
  async function dispatch(session: Session, request: Request): Promise<unknown> {
    switch (request.op) {
      case 'hello': {
        if (request.params.protocol !== PROTOCOL_VERSION) {
          const info = deps.info();
          throw new PortsError(
            'E_VERSION_MISMATCH',
            `The daemon (portkeeper ${info.version}, pid ${info.pid}) speaks protocol ${PROTOCOL_VERSION}, this client ${request.params.protocol}. ` +
              'Restart the daemon with the same version: ports daemon stop && ports daemon',
            { daemonProtocol: PROTOCOL_VERSION, clientProtocol: request.params.protocol, daemonVersion: info.version, daemonPid: info.pid },
          );
        }
        session.helloDone = true;
        const info = deps.info();
        return {
          protocol: PROTOCOL_VERSION,
          version: info.version,
          pid: info.pid,
          startedAt: info.startedAt,
          socket: info.socket,
          stateDir: info.stateDir,
          ...(info.socketActivated !== undefined ? { socketActivated: info.socketActivated } : {}),
        } satisfies HelloResult;
      }
      case 'allocate':
        return deps.allocations.allocate(request.params) satisfies Promise<ResultByOp['allocate']>;
      case 'release':
        return deps.allocations.release(request.params) satisfies Promise<ResultByOp['release']>;
      case 'status': {
        const recentReleases = deps.health.recentReleases().slice(-20);
        const page = request.params.summary === true ? { allocations: [], next: null } : selectAllocations(deps.store, request.params);
        return { daemon: deps.info(), ...page, summary: deps.store.summary(), health: deps.health.statistics(), recentReleases } satisfies StatusResult;
      }
      case 'events': {
        const events = deps.audit.recent(request.params.limit ?? 100);
        const follow = request.params.follow === true && session.push !== undefined;
        if (follow) {
          const push = session.push?.bind(session);
          const id = request.id;
          const unsubscribe = deps.audit.subscribe((event) => push?.({ id, event }));
          session.following = true;
          session.onClose?.(unsubscribe);
        }
        return { events, following: follow } satisfies EventsResult;
      }
      case 'transfer':
        return deps.leases.transfer(request.params);
      case 'renew':
        return deps.leases.renew(request.params);
      case 'cleanup':
        return deps.leases.cleanup(request.params);
      case 'metrics':
        return { contentType: deps.metrics.contentType, text: await deps.metrics.text() } satisfies MetricsResult;
      case 'shutdown':
        deps.requestShutdown();
        return { stopping: true } satisfies ResultByOp['shutdown'];
    }
  }

  async function handle(session: Session, message: unknown): Promise<Reply> {
    const started = performance.now();
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      deps.onRequest?.('invalid', false, 0);
      return fail(null, new PortsError('E_PROTOCOL', 'Each line must be a JSON object like {"id":1,"op":"hello","params":{"protocol":1}}'));
    }
    const record = message as Record<string, unknown>;
    const id = readId(record);
    const op = record['op'];
    if (typeof op !== 'string') {
      deps.onRequest?.('invalid', false, 0);
      return fail(id, new PortsError('E_INVALID_REQUEST', 'op: required, a string naming the operation', { ops: OPS }));
    }
    if (!Object.hasOwn(requestSchemas, op)) {
      deps.onRequest?.('invalid', false, 0);
      return fail(id, new PortsError('E_UNKNOWN_OP', `Unknown op "${op.slice(0, 64)}"; known ops: ${OPS.join(', ')}`, { ops: OPS }));
    }
    const known = op as Op;
    const parsed = requestSchemas[known].safeParse(message);
    if (!parsed.success) {
      const issues = formatIssues(parsed.error);
      deps.onRequest?.(known, false, (performance.now() - started) / 1000);
      return fail(id, new PortsError('E_INVALID_REQUEST', `Invalid ${known} request: ${issues.join('; ')}`, { issues }));
    }
    const request = parsed.data;
    // `shutdown` is the one op allowed before hello, so a CLI of any version can stop any daemon.
    if (!session.helloDone && request.op !== 'hello' && request.op !== 'shutdown') {
      deps.onRequest?.(known, false, (performance.now() - started) / 1000);
      return fail(request.id, new PortsError('E_PROTOCOL', `Send hello first (got ${request.op})`));
    }
    if (!deps.accepting() && MUTATING_OPS.has(request.op)) {
      deps.onRequest?.(known, false, (performance.now() - started) / 1000);
      return fail(request.id, new PortsError('E_SHUTTING_DOWN', 'The daemon is shutting down; retry in a moment'));
    }
    try {
      const result = await dispatch(session, request);
      deps.onRequest?.(known, true, (performance.now() - started) / 1000);
      return { id: request.id, ok: true, result };
    } catch (error) {
      const wrapped = toPortsError(error);
      if (wrapped.code === 'E_INTERNAL') deps.log.error({ err: error, op: known }, 'request failed with an internal error');
      deps.onRequest?.(known, false, (performance.now() - started) / 1000);
      return fail(request.id, wrapped);
    }
  }

  return {
    handle,
    rejectInvalidUtf8(line) {
      deps.onRequest?.('invalid', false, 0);
      let id: RequestId | null = null;
      try {
        const message: unknown = JSON.parse(line);
        if (message !== null && typeof message === 'object' && !Array.isArray(message)) id = readId(message as Record<string, unknown>);
      } catch {
        // No id to give back.
      }
      return fail(id, new PortsError('E_PROTOCOL', 'The line is not valid UTF-8; send requests as UTF-8 JSON'));
    },
    async handleLine(session, line) {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch (error) {
        deps.onRequest?.('invalid', false, 0);
        return fail(null, new PortsError('E_PROTOCOL', `Not JSON: ${(error as Error).message}`));
      }
      return handle(session, message);
    },
  };
}
