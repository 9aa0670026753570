/**
 * One portserver request, bytes in → outcome out, with no socket: parse the pid, judge the
 * requester, allocate through the PortserverAllocator the daemon hands in. Each request is a new
 * allocation (a process asking twice gets two ports), owned by the requester's pid, with no
 * listen check: it lives exactly as long as that process. Never throws: every failure is an
 * outcome.
 */
import { isPortsError } from '../errors.js';
import type { PortRange } from '../shared/port-range.js';
import type { OwnerProcess } from '../system/process-info.js';
import { parseRequest } from './request.js';
import { checkRequester, type RefusalReason, type RequesterDeps } from './requester.js';

/** The service name portserver allocations carry. */
export const PORTSERVER_SERVICE = 'portpicker';

/** Where portserver ports come from: a configured type's range, or an explicit range. */
export type PortserverPool = { type: string } | { range: PortRange };

/**
 * What the portserver needs of the daemon, in its own terms (the daemon adapts its allocation
 * service to it): a new port from the pool for a requester already checked, and a port given back.
 */
export interface PortserverAllocator {
  /**
   * A new port owned by `requester.pid`, listen check off. Rejects with `E_NO_FREE_PORT` when the
   * pool is full and `E_NO_SUCH_PROCESS` when the requester is gone by then.
   */
  allocate(requester: { pid: number; owner: OwnerProcess }, pool: PortserverPool): Promise<number>;
  /** Give back a port whose reply could not be sent. */
  release(port: number, pid: number): Promise<void>;
}

export type PortserverOutcome =
  | { result: 'allocated'; pid: number; port: number; release(): Promise<void> }
  | { result: 'invalid'; message: string }
  | { result: 'refused'; requested: string; reason: RefusalReason; message: string }
  | { result: 'exhausted'; pid: number; message: string }
  | { result: 'error'; requested: string; error: unknown };

export interface PortserverHandlerDeps extends RequesterDeps {
  allocator: PortserverAllocator;
  pool: PortserverPool;
}

export type PortserverHandler = (request: Uint8Array) => Promise<PortserverOutcome>;

export function createPortserverHandler(deps: PortserverHandlerDeps): PortserverHandler {
  return async (request) => {
    const parsed = parseRequest(request);
    if (!parsed.ok) return { result: 'invalid', message: `Could not parse request: ${parsed.error}` };
    const requested = parsed.value.toString();
    try {
      const requester = await checkRequester(parsed.value, deps);
      if (!requester.ok) return { result: 'refused', requested, reason: requester.reason, message: requester.message };
      const { pid } = requester;
      const port = await deps.allocator.allocate(requester, deps.pool);
      return {
        result: 'allocated',
        pid,
        port,
        // For a reply that could not be sent: the requester never learnt of the port.
        release: () => deps.allocator.release(port, pid),
      };
    } catch (error) {
      if (isPortsError(error) && error.code === 'E_NO_FREE_PORT') return { result: 'exhausted', pid: Number(parsed.value), message: error.message };
      // The requester passed the check but was gone by the time the allocation service looked.
      if (isPortsError(error) && error.code === 'E_NO_SUCH_PROCESS') {
        return { result: 'refused', requested, reason: 'no_such_process', message: error.message };
      }
      return { result: 'error', requested, error };
    }
  };
}
