import type { AllocationService } from '../daemon/allocation-service.js';
import { isPortsError } from '../errors.js';
import type { PortRange } from '../shared/port-range.js';
import { parseRequest } from './request.js';
import { checkRequester, type RefusalReason, type RequesterDeps } from './requester.js';

/**
 * One portserver request, bytes in → outcome out, with no socket: parse the pid, judge the
 * requester, allocate through the daemon's allocation service. Each request is a new allocation
 * (a process asking twice gets two ports), owned by the requester's pid, with no listen check:
 * it lives exactly as long as that process. Never throws: every failure is an outcome.
 */
export const PORTSERVER_SERVICE = 'portpicker';

/** Where portserver ports come from: a configured type's range, or an explicit range. */
export type PortserverPool = { type: string } | { range: PortRange };

export type PortserverOutcome =
  | { result: 'allocated'; pid: number; port: number; release(): Promise<void> }
  | { result: 'invalid'; message: string }
  | { result: 'refused'; requested: string; reason: RefusalReason; message: string }
  | { result: 'exhausted'; pid: number; message: string }
  | { result: 'error'; requested: string; error: unknown };

export interface PortserverHandlerDeps extends RequesterDeps {
  allocations: Pick<AllocationService, 'allocate' | 'release'>;
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
      const { allocation } = await deps.allocations.allocate(
        { service: PORTSERVER_SERVICE, pid, listenCheck: false, ...deps.pool },
        { alwaysNew: true, owner: requester.owner },
      );
      const { port } = allocation;
      return {
        result: 'allocated',
        pid,
        port,
        // For a reply that could not be sent: the requester never learnt of the port.
        release: async () => void (await deps.allocations.release({ ports: [port], pid, service: PORTSERVER_SERVICE })),
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
