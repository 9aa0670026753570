import { describe, expect, it } from 'vitest';
import { createTeardown } from './teardown.js';

describe('teardown', () => {
  it('undoes the steps newest first, each once', async () => {
    const done: string[] = [];
    const teardown = createTeardown({ error: () => undefined });
    teardown.add('lock', () => void done.push('lock'));
    teardown.add('state', async () => void done.push('state'));
    teardown.add('socket', () => void done.push('socket'));
    await teardown.run();
    await teardown.run();
    expect(done).toEqual(['socket', 'state', 'lock']);
  });

  it('logs a step that fails and still runs the ones before it (the lock is always released)', async () => {
    const done: string[] = [];
    const errors: string[] = [];
    const teardown = createTeardown({ error: (_object, message) => errors.push(message) });
    teardown.add('lock', () => void done.push('lock'));
    teardown.add('state', () => {
      throw new Error('disk full');
    });
    await teardown.run();
    expect(done).toEqual(['lock']);
    expect(errors).toEqual(['error while stopping (state)']);
  });
});
