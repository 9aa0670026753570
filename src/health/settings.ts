/** What the HealthMonitor reads from health_monitoring (mapped in daemon/settings.ts). */
import type { HealthPolicy } from './decide.js';

export interface HealthSettings extends HealthPolicy {
  enabled: boolean;
  checkIntervalMs: number;
  httpTimeoutMs: number;
  httpSlowMs: number;
  httpExpected: readonly (number | string)[];
  /** kill: how long SIGTERM has before SIGKILL. */
  killTimeoutMs: number;
}
