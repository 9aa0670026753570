import type { EventPush, Reply } from '../protocol/results.js';

/** How a PortsClient reaches a daemon: a Unix socket, or a handler in the same process. */
export interface Transport {
  /** Send one request object (with its id) and resolve with the reply carrying that id. */
  request(message: { id: number; op: string; params: unknown }): Promise<Reply>;
  /** Receive pushed lines (`{id, event}`) of a followed events request. */
  onPush?(listener: (message: EventPush) => void): void;
  /** Resolves when the connection closes (for followers). */
  readonly closed?: Promise<void>;
  /** Graceful: waits for replies in flight, then closes. Idempotent. */
  close(): Promise<void>;
  /** Immediate: fails requests in flight. Idempotent. */
  destroy(): void;
}
