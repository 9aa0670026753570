import { describe, expect, it } from 'vitest';
import { graceHint, isShell, mayNeedGraceHint, type HintCandidate } from './allocate-hint.js';

const DEFAULTS = { enabled: true, cleanup_stale_allocations: true, check_interval_ms: 5000, max_failures: 3, startup_grace_ms: 30_000 };
const TAIL = 'although this shell lives on. To keep it: ports run -- CMD, or allocate with --no-listen-check (kept while this shell lives) or --no-pid --ttl DUR.';

describe('the grace-period hint of ports allocate', () => {
  const candidate: HintCandidate = { json: false, stderrIsTTY: true, existing: false, pid: 4242, listenCheck: true };

  it('is considered for a new, listen-checked allocation with an owner, on a terminal, without --json', () => {
    expect(mayNeedGraceHint(candidate)).toBe(true);
  });

  it.each([
    ['--json', { json: true }],
    ['stderr not a terminal (a script, CI, 2>log)', { stderrIsTTY: false }],
    ['an existing allocation (the hint came with the first one)', { existing: true }],
    ['a reservation (--no-pid)', { pid: null }],
    ['--no-listen-check', { listenCheck: false }],
  ])('is not given with %s', (_why, change) => {
    expect(mayNeedGraceHint({ ...candidate, ...change })).toBe(false);
  });

  it.each(['bash', '-bash', 'zsh', 'sh', 'dash', 'fish', 'ksh', 'mksh', 'tcsh'])('takes %s for a shell', (comm) => {
    expect(isShell(comm)).toBe(true);
  });

  it.each(['node', 'npm run dev', 'python3', 'vite', 'bashful', null])('does not take %s for a shell', (comm) => {
    expect(isShell(comm)).toBe(false);
  });

  it("names the daemon's grace period and when the port goes, and the ways out", () => {
    expect(graceHint(3000, DEFAULTS)).toBe(`hint: if nothing listens on port 3000 within 30s (the start-up grace period), it is reclaimed about 45s from now, ${TAIL}`);
    expect(graceHint(5400, { ...DEFAULTS, startup_grace_ms: 120_000, check_interval_ms: 1000, max_failures: 2 })).toContain(
      'port 5400 within 2m (the start-up grace period), it is reclaimed about 2m2s from now,',
    );
  });

  it('says "by the next health check" without a grace period', () => {
    expect(graceHint(3000, { ...DEFAULTS, startup_grace_ms: 0 })).toBe(`hint: if nothing listens on port 3000 by the next health check, it is reclaimed about 15s from now, ${TAIL}`);
  });

  it('does without the numbers for a daemon that does not report its grace period', () => {
    const { startup_grace_ms: _, ...older } = DEFAULTS;
    expect(graceHint(3000, older)).toBe(`hint: if nothing listens on port 3000 within the daemon's start-up grace period, it is reclaimed, ${TAIL}`);
  });

  it('is not given when the daemon never reclaims', () => {
    expect(graceHint(3000, { ...DEFAULTS, enabled: false })).toBeNull();
    expect(graceHint(3000, { ...DEFAULTS, cleanup_stale_allocations: false })).toBeNull();
  });
});
