/** What one HealthMonitor cycle found: the metrics' and `last_cycle`'s source. */
export interface CycleReport {
  startedAt: string;
  durationMs: number;
  checked: number;
  healthy: number;
  unhealthy: number;
  /** Allocations whose checks could not all be made (and nothing else failed): kept as they were. */
  unknown: number;
  /** Checks that could not be made, by kind. */
  unknownChecks: UnknownChecks;
  released: number;
}

export interface UnknownChecks {
  process: number;
  listen: number;
  http: number;
}
