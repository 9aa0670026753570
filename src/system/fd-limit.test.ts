import { describe, expect, it } from 'vitest';
import { parseFdLimit, readFdLimit } from './fd-limit.js';

describe('parseFdLimit', () => {
  it('reads the soft and hard "Max open files"', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 4096                 files     \n';
    expect(parseFdLimit(text)).toEqual({ soft: 1024, hard: 4096 });
  });

  it('reads unlimited and rejects text without the line', () => {
    expect(parseFdLimit('Max open files            unlimited            unlimited            files\n')?.soft).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseFdLimit('Max processes 10 10\n')).toBeNull();
  });

  it("reads this process's limit, already raised to the hard limit by Node", () => {
    const limit = readFdLimit();
    expect(limit).not.toBeNull();
    expect(limit?.soft).toBe(limit?.hard);
  });
});
