import { describe, expect, it } from 'vitest';
import { outOfResources } from './out-of-resources.js';

const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('outOfResources', () => {
  it('reports our own descriptor limit as E_LIMIT with what to do', () => {
    const error = outOfResources(errno('EMFILE', "EMFILE: too many open files, open '/proc/net/tcp'"));
    expect(error.code).toBe('E_LIMIT');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe("this ports process is out of file descriptors (EMFILE): EMFILE: too many open files, open '/proc/net/tcp'. Raise the limit (ulimit -n) or try again when the load is gone");
    expect(error.details).toEqual({ errno: 'EMFILE' });
  });

  it.each([
    ['ENFILE', 'the host is out of file descriptors (ENFILE)'],
    ['ENOMEM', 'the host is out of memory or buffers (ENOMEM)'],
  ])('names %s for what it is', (code, start) => {
    expect(outOfResources(errno(code, code)).message.startsWith(start)).toBe(true);
  });
});
