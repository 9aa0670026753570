import { describe, expect, it } from 'vitest';
import type { Listener } from '../system/listeners.js';
import { portInUseError } from './port-conflict.js';

const holder = (pid: number | null, command: string | null = null): Listener => ({ port: 3001, inode: 7, protocol: 'tcp', pid, command });

describe('portInUseError', () => {
  it.each([
    ['nobody found', [], 'Port 3001 is in use by another process'],
    ['one process', [holder(1234, 'node server.js')], 'Port 3001 is in use by pid 1234 (node server.js)'],
    ['a process whose command line is unreadable', [holder(1234)], 'Port 3001 is in use by pid 1234'],
    ['a process of another user', [holder(null)], 'Port 3001 is in use by a process of another user'],
    ['two sockets of another user', [holder(null), holder(null)], 'Port 3001 is in use by a process of another user'],
    ['one of ours and one of another user', [holder(1234, 'node a.js'), holder(null)], 'Port 3001 is in use by pid 1234 (node a.js) and a process of another user'],
    [
      'five processes',
      [1, 2, 3, 4, 5].map((n) => holder(100 + n, 'nginx')),
      'Port 3001 is in use by pid 101 (nginx), pid 102 (nginx), pid 103 (nginx) and 2 more processes',
    ],
  ])('names the holders: %s', (_what, holders, message) => {
    const error = portInUseError(3001, holders);
    expect(error.code).toBe('E_CONFLICT');
    expect(error.message).toBe(message);
  });

  it('escapes a command line that holds control characters, and keeps it raw in details', () => {
    const command = 'node evil.js \u001b[31mred\nFAKE';
    const error = portInUseError(3001, [holder(1234, command)]);
    expect(error.message).toBe('Port 3001 is in use by pid 1234 (node evil.js \\x1b[31mred\\nFAKE)');
    expect(error.details).toEqual({ port: 3001, holders: [{ pid: 1234, command }] });
  });

  it('cuts a long command line short in the message', () => {
    const error = portInUseError(3001, [holder(1234, `node ${'x'.repeat(500)}`)]);
    expect(error.message).toBe(`Port 3001 is in use by pid 1234 (node ${'x'.repeat(115)}…)`);
  });
});
