import { PortsError } from '../errors.js';
import type { AllocateParams, CleanupParams, EventsParams, ReleaseParams, RenewParams, StatusParams, TransferParams } from '../protocol/messages.js';
import type { AllocateResult, AuditEvent, HelloResult, ResultByOp } from '../protocol/results.js';
import { PACKAGE_VERSION, PROTOCOL_VERSION } from '../version.js';
import { reachDaemon, type ConnectOptions } from './connect.js';
import { describeRefusal } from './refusal.js';
import { connectSocket } from './socket-transport.js';
import type { Transport } from './transport.js';

/**
 * The typed client. Every failure is a PortsError with a stable `code`.
 *
 * @example
 * ```ts
 * const client = await PortsClient.connect();          // the user's daemon, started if needed
 * const { allocation } = await client.allocate({ service: 'web', pid: process.pid });
 * await client.release({ ports: [allocation.port] });
 * await client.close();
 * ```
 */
export class PortsClient {
  readonly #transport: Transport;
  #nextId = 1;
  #hello: HelloResult | null = null;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** What the daemon said in `hello` (null before `hello`). */
  get daemon(): HelloResult | null {
    return this.#hello;
  }

  /** Connect over the Unix socket (starting the daemon unless told not to) and say hello. */
  static connect(options: ConnectOptions = {}): Promise<PortsClient> {
    return reachDaemon(options, (socketPath) => PortsClient.#open(socketPath, options.clientName));
  }

  /** One attempt: the socket, then hello; a daemon that refuses us is described as such. */
  static async #open(socketPath: string, clientName: string | undefined): Promise<PortsClient> {
    const client = new PortsClient(await connectSocket({ path: socketPath }));
    try {
      await client.hello(clientName);
    } catch (error) {
      client.destroy();
      throw describeRefusal(error, socketPath);
    }
    return client;
  }

  async #call<Op extends keyof ResultByOp>(op: Op, params: unknown): Promise<ResultByOp[Op]> {
    const reply = await this.#transport.request({ id: this.#nextId++, op, params });
    if (!reply.ok) throw PortsError.fromWire(reply.error);
    return reply.result as ResultByOp[Op];
  }

  /** The handshake; checks the daemon speaks our protocol. */
  async hello(client = `portkeeper/${PACKAGE_VERSION}`): Promise<HelloResult> {
    this.#hello = await this.#call('hello', { protocol: PROTOCOL_VERSION, client });
    return this.#hello;
  }

  /**
   * Hand out a port. `pid: null` makes a reservation that only release, ttl or cleanup ends. An
   * exact `port` that the owner pid (or a process of its tree) already listens on is adopted:
   * registered as it is, with `adopted: true`.
   */
  async allocate(params: AllocateParams): Promise<ResultByOp['allocate']> {
    // A daemon from before adoption leaves `adopted` out: it never adopts.
    const result: Omit<AllocateResult, 'adopted'> & { adopted?: boolean } = await this.#call('allocate', params);
    return { ...result, adopted: result.adopted ?? false };
  }

  release(params: ReleaseParams): Promise<ResultByOp['release']> {
    return this.#call('release', params);
  }

  status(params: StatusParams = {}): Promise<ResultByOp['status']> {
    return this.#call('status', params);
  }

  /**
   * Recent audit events; with `follow`, also every new one, passed to `onEvent` until the
   * connection closes (use a client of its own for following).
   */
  async events(params: EventsParams & { onEvent?: (event: AuditEvent) => void } = {}): Promise<ResultByOp['events']> {
    const { onEvent, ...wire } = params;
    if (wire.follow && onEvent) this.#transport.onPush?.((message) => onEvent(message.event));
    return this.#call('events', wire);
  }

  /** Hand an allocation from its owner (`fromPid`) to another process. */
  transfer(params: TransferParams): Promise<ResultByOp['transfer']> {
    return this.#call('transfer', params);
  }

  /** Extend leases by their ttl, or by a new one. */
  renew(params: RenewParams): Promise<ResultByOp['renew']> {
    return this.#call('renew', params);
  }

  /** Sweep now: release allocations of dead, reused or expired owners, or all of one owner tag. */
  cleanup(params: CleanupParams = {}): Promise<ResultByOp['cleanup']> {
    return this.#call('cleanup', params);
  }

  /** Prometheus text exposition of the daemon's metrics. */
  metrics(): Promise<ResultByOp['metrics']> {
    return this.#call('metrics', {});
  }

  /** Resolves when the connection closes (the daemon stopped, or close/destroy was called). */
  get closed(): Promise<void> {
    return this.#transport.closed ?? new Promise<void>(() => undefined);
  }

  /** Ask the daemon to stop gracefully. */
  shutdown(): Promise<ResultByOp['shutdown']> {
    return this.#call('shutdown', {});
  }

  /** Wait for replies in flight, then close. Idempotent. */
  close(): Promise<void> {
    return this.#transport.close();
  }

  /** Close now, failing requests in flight. Idempotent. */
  destroy(): void {
    this.#transport.destroy();
  }

  /** `await using client = await PortsClient.connect()` closes it (gracefully) at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Connect and hello, starting the daemon in the background if none runs and autostart is on (`PortsClient.connect`). */
export function connectClient(options: ConnectOptions = {}): Promise<PortsClient> {
  return PortsClient.connect(options);
}
