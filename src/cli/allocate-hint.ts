/**
 * The grace-period trap: `PORT=$(ports allocate web)` at a prompt gives the port to the shell,
 * and unless something listens on it within the daemon's start-up grace period the
 * HealthMonitor reclaims it (`not_listening`) while the shell lives on, silently. `ports
 * allocate` warns about it once, on stderr, when a person is watching. Pure.
 */
import type { HealthStatistics } from '../protocol/results.js';
import { formatAge } from './duration.js';

/** Process names (`comm`) of shells; a login shell's `-bash` counts too. */
const SHELLS = new Set(['sh', 'ash', 'dash', 'bash', 'zsh', 'ksh', 'ksh93', 'mksh', 'pdksh', 'oksh', 'yash', 'posh', 'fish', 'csh', 'tcsh', 'nu', 'elvish', 'xonsh', 'pwsh', 'osh']);

export function isShell(comm: string | null): boolean {
  return comm !== null && SHELLS.has(comm.replace(/^-/, ''));
}

export interface HintCandidate {
  json: boolean;
  /** stderr is a terminal: someone reads it now (`$(…)` only captures stdout). */
  stderrIsTTY: boolean;
  /** The allocation already existed (same service and owner): the hint was given then. */
  existing: boolean;
  /** The owner pid; null for a reservation (`--no-pid`), which has no listen check. */
  pid: number | null;
  listenCheck: boolean;
}

/** Whether this allocation could fall into the trap, before looking at what the owner is. */
export function mayNeedGraceHint(c: HintCandidate): boolean {
  return !c.json && c.stderrIsTTY && !c.existing && c.pid !== null && c.listenCheck;
}

export type GraceSettings = Pick<HealthStatistics, 'enabled' | 'cleanup_stale_allocations' | 'check_interval_ms' | 'max_failures'> &
  Partial<Pick<HealthStatistics, 'startup_grace_ms'>>;

/**
 * The hint for a shell-owned allocation of `port`, with the daemon's health settings; null when
 * that daemon never reclaims (monitoring off, or only reporting). An older daemon that does not
 * report its grace period gets the hint without the numbers.
 */
export function graceHint(port: number, health: GraceSettings): string | null {
  if (!health.enabled || !health.cleanup_stale_allocations) return null;
  const grace = health.startup_grace_ms;
  const checks = health.check_interval_ms * health.max_failures;
  const clause =
    grace === undefined
      ? "within the daemon's start-up grace period, it is reclaimed"
      : grace < 1000
        ? `by the next health check, it is reclaimed about ${formatAge(checks)} from now`
        : `within ${formatAge(grace)} (the start-up grace period), it is reclaimed about ${formatAge(grace + checks)} from now`;
  return (
    `hint: if nothing listens on port ${port} ${clause}, although this shell lives on. ` +
    'To keep it: ports run -- CMD, or allocate with --no-listen-check (kept while this shell lives) or --no-pid --ttl DUR.'
  );
}
