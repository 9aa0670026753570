import { defineConfig } from 'vitest/config';

/**
 * Files that load both cores by themselves for a minute (200 node processes at once). Next to a
 * test that waits for a daemon to start (crash-loop's 30 restarts) they starve it past its
 * deadline, so they run one at a time, after the rest of the suite.
 */
const CPU_STORMS = ['test/concurrency.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real daemons, sockets and processes: two workers on a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: CPU_STORMS, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'cpu-storms', include: CPU_STORMS, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
