/**
 * The portserver's PortserverAllocator over the daemon's allocation service: each request a new
 * allocation of service `portpicker`, owned by the requester, listen check off.
 */
import { PORTSERVER_SERVICE, type PortserverAllocator } from '../portserver/handler.js';
import type { AllocationService } from './allocation-service.js';

export function portserverAllocator(allocations: Pick<AllocationService, 'allocate' | 'release'>): PortserverAllocator {
  return {
    async allocate({ pid, owner }, pool) {
      const { allocation } = await allocations.allocate({ service: PORTSERVER_SERVICE, pid, listenCheck: false, ...pool }, { alwaysNew: true, owner });
      return allocation.port;
    },
    async release(port, pid) {
      await allocations.release({ ports: [port], pid, service: PORTSERVER_SERVICE });
    },
  };
}
