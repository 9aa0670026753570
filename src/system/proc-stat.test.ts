import { describe, expect, it } from 'vitest';
import { parseProcStat, readProcStat } from './proc-stat.js';

describe('parseProcStat', () => {
  it('parses a comm with spaces and parentheses', () => {
    const line = '1234 (my (odd) proc) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 1000 200';
    expect(parseProcStat(line)).toMatchObject({ pid: 1234, comm: 'my (odd) proc', state: 'S', ppid: 1, pgrp: 1234, session: 1234, tpgid: -1, startTime: 987654 });
  });

  it('returns null for garbage', () => {
    expect(parseProcStat('nonsense')).toBeNull();
  });

  it('reads this process from the real /proc', async () => {
    const stat = await readProcStat(process.pid);
    expect(stat).toMatchObject({ pid: process.pid, ppid: process.ppid });
    expect(stat?.startTime).toBeGreaterThan(0);
  });
});
