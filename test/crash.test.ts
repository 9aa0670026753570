import { expect, it } from 'vitest';
import { readStateFolder } from './helpers/store.js';
import { pathsIn, spawnDaemonProcess, waitForDaemon, waitForExit } from './helpers/daemon.js';
import { useTempDir } from './helpers/temp-dir.js';

it('keeps every acknowledged allocation through a kill -9 right after a burst', async () => {
  const dir = useTempDir();
  const paths = pathsIn(dir);
  const first = spawnDaemonProcess(dir);
  const client = await waitForDaemon(paths.socketPath);

  const acknowledged: number[] = [];
  const burst = Array.from({ length: 300 }, (_, i) =>
    client.allocate({ pid: null, service: `burst-${i}`, range: { start: 16000, end: 16999 } }).then(({ allocation }) => {
      acknowledged.push(allocation.port);
      // Kill the daemon the moment the 150th reply arrives, with the rest still in flight.
      if (acknowledged.length === 150) first.kill('SIGKILL');
    }),
  );
  await Promise.allSettled(burst);
  await waitForExit(first.pid ?? 0);
  expect(acknowledged.length).toBeGreaterThanOrEqual(150);

  const onDisk = new Set((await readStateFolder(paths.stateDir)).map((a) => a.port));
  for (const port of acknowledged) expect(onDisk.has(port)).toBe(true);

  spawnDaemonProcess(dir);
  const again = await waitForDaemon(paths.socketPath);
  const restored = new Set((await again.status()).allocations.map((a) => a.port));
  for (const port of acknowledged) expect(restored.has(port)).toBe(true);
}, 60_000);
