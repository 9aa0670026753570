import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-pretty.js';

const at = (h: number, m: number, s: number, ms: number) => new Date(2026, 11, 2, h, m, s, ms).getTime();
const record = (fields: Record<string, unknown>) => JSON.stringify({ level: 30, time: at(14, 3, 7, 512), pid: 4242, ...fields });

describe('formatLogLine', () => {
  it('prints local time, level and message, then the fields as key=value, without the pid', () => {
    expect(formatLogLine(record({ msg: 'daemon started', socket: '/run/ports.sock', allocations: 0 }), { colour: false })).toBe(
      '14:03:07.512 INFO  daemon started socket=/run/ports.sock allocations=0\n',
    );
  });

  it('shows objects as compact JSON and quotes strings with spaces or quotes', () => {
    const line = formatLogLine(record({ level: 40, msg: 'health checks could not run', ephemeral: { start: 32768, end: 60999 }, cause: 'out of file descriptors' }), { colour: false });
    expect(line).toBe('14:03:07.512 WARN  health checks could not run ephemeral={"start":32768,"end":60999} cause="out of file descriptors"\n');
  });

  it('cannot be made to move the cursor or forge a line by text a client chose', () => {
    const line = formatLogLine(record({ msg: 'released\nFAKE', service: 'evil\u001b[2J\u009b', note: 'a\u202eb' }), { colour: false });
    expect(line.trimEnd()).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/u);
    expect(line).toBe('14:03:07.512 INFO  released\\nFAKE service="evil\\u001b[2J\\u009b" note="a\\u202eb"\n');
  });

  it('adds an error’s stack, indented, under its line', () => {
    const line = formatLogLine(record({ level: 50, msg: 'append failed', err: { message: 'ENOSPC', stack: 'Error: ENOSPC\n    at write (journal.js:1:1)' } }), { colour: false });
    expect(line).toBe('14:03:07.512 ERROR append failed err=ENOSPC\n    at write (journal.js:1:1)\n');
  });

  it('colours the level and dims the time and keys only when asked', () => {
    const line = formatLogLine(record({ level: 50, msg: 'x', a: 1 }), { colour: true });
    expect(line).toBe('\u001b[2m14:03:07.512\u001b[0m \u001b[31mERROR\u001b[0m x \u001b[2ma=\u001b[0m1\n');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLogLine('not json', { colour: false })).toBe('not json\n');
  });
});
