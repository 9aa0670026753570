import { readProcStat } from '../system/proc-stat.js';
import type { ConnectOptions } from './connect.js';
import { connectClient } from './connect.js';

export interface AllocatePortOptions extends ConnectOptions {
  service: string;
  type?: string;
  /** An exact port (E_CONFLICT when held). */
  port?: number;
  owner?: string;
  healthUrl?: string;
}

/**
 * A port for this process, leased to its pid: the daemon's HealthMonitor gives it back once this
 * process exits. The same service asked again by the same process gets the same port.
 *
 * @example
 * ```ts
 * import { allocatePort } from 'portkeeper';
 * const port = await allocatePort({ service: 'web' });
 * server.listen(port, '127.0.0.1');
 * ```
 */
export async function allocatePort(options: AllocatePortOptions): Promise<number> {
  const client = await connectClient(options);
  try {
    const self = await readProcStat(process.pid);
    const { allocation } = await client.allocate({
      service: options.service,
      pid: process.pid,
      ...(self ? { pidStartTime: self.startTime } : {}),
      ...(options.type !== undefined ? { type: options.type } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.owner !== undefined ? { owner: options.owner } : {}),
      ...(options.healthUrl !== undefined ? { healthUrl: options.healthUrl } : {}),
      cwd: process.cwd(),
      command: process.argv.join(' ').slice(0, 4096),
    });
    return allocation.port;
  } finally {
    await client.close();
  }
}
