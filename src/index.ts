/**
 * portkeeper's client library. No side effects on import.
 *
 * @example
 * ```ts
 * import { allocatePort, releasePort, PortsError } from 'portkeeper';
 * const port = await allocatePort();           // a port leased to this process
 * await releasePort(port);                      // or let the daemon reclaim it when the process exits
 * ```
 */
export { PortsClient } from './client/client.js';
export { connectClient } from './client/client.js';
export type { ConnectOptions } from './client/connect.js';
export { allocatePort, type AllocatePortOptions } from './client/allocate-port.js';
export { releasePort, type ReleasePortOptions, type ReleasePortSelector } from './client/release-port.js';
export { portNumbers, type PortNumbers } from './client/port-numbers.js';
export { connectSocket } from './client/socket-transport.js';
export { createMemoryTransport } from './client/memory-transport.js';
export type { Transport } from './client/transport.js';
export { locateSocket } from './client/locate.js';
export { PortsError, ERROR_CODES, EXIT, isPortsError, type ErrorCode, type WireError } from './errors.js';
export type { Allocation, AllocationHealth } from './protocol/allocation.js';
export type { AllocateParams, ReleaseParams, StatusParams } from './protocol/messages.js';
export type {
  AllocateResult,
  DaemonInfo,
  HelloResult,
  ReleaseResult,
  Reply,
  StatusResult,
} from './protocol/results.js';
export { PACKAGE_VERSION, PROTOCOL_VERSION } from './version.js';
