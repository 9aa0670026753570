import type { AuditEvent } from '../../src/protocol/events.js';
import { clientFor, startTestDaemon, waitFor } from './daemon.js';
import { useTempDir } from './temp-dir.js';

/**
 * A real daemon in a temp dir with these health_monitoring keys, a client, and every audit event
 * from its start (a follower), with waits on health cycles and events.
 */
export async function healthDaemon(health: Record<string, unknown>) {
  const daemon = await startTestDaemon(useTempDir(), { health_monitoring: health });
  const client = await clientFor(daemon.socketPath);
  const events: AuditEvent[] = [];
  const follower = await clientFor(daemon.socketPath);
  await follower.events({ follow: true, limit: 0, onEvent: (event) => events.push(event) });
  const cycles = () => daemon.core.monitor.statistics().cycles;
  const waitCycles = async (n: number) => {
    const target = cycles() + n;
    await waitFor(() => cycles() >= target, `${n} health cycles`);
  };
  const eventOf = (type: AuditEvent['type'], port: number) => events.find((e) => e.type === type && e.allocation?.port === port);
  const waitEvent = async (type: AuditEvent['type'], port: number) => {
    await waitFor(() => eventOf(type, port) !== undefined, `${type} for port ${port}`);
    return eventOf(type, port) as AuditEvent;
  };
  const reclaimOf = (port: number) => eventOf('allocation.reclaimed', port);
  /** The value of one sample line of the metrics, 0 when it is not there yet. */
  const metric = async (line: string) => {
    const { text } = await client.metrics();
    return Number(text.split('\n').find((l) => l.startsWith(line))?.split(' ').at(-1) ?? 0);
  };
  return { daemon, client, events, waitCycles, eventOf, waitEvent, reclaimOf, metric };
}
