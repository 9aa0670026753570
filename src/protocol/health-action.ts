/**
 * What the HealthMonitor does once an allocation's health URL has failed max_failures times in a
 * row while its owner lives and its port is held: `report` (keep it, marked unhealthy), `release`
 * it, or `kill` the listener in the owner's process tree (SIGTERM, then SIGKILL) and release it.
 * Its own module, without zod, so the CLI's flag check loads nothing more.
 */
export const HEALTH_ACTIONS = ['report', 'release', 'kill'] as const;
export type HealthAction = (typeof HEALTH_ACTIONS)[number];
