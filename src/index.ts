/**
 * portkeeper's client library. No side effects on import.
 *
 * @example
 * ```ts
 * import { allocatePort, PortsClient, PortsError } from 'portkeeper';
 * const port = await allocatePort({ service: 'web' });
 * ```
 */
export { PortsClient } from './client/client.js';
export { connectClient, type ConnectOptions } from './client/connect.js';
export { allocatePort, type AllocatePortOptions } from './client/allocate-port.js';
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
