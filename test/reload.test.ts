import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { pathsIn, spawnDaemonProcess, waitFor, waitForDaemon } from './helpers/daemon.js';
import { useTempDir } from './helpers/temp-dir.js';

it('reloads the configuration on SIGHUP, and keeps the running one when the new one is bad', async () => {
  const dir = useTempDir();
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ types: { dev: '3000-3099' }, health_monitoring: { check_interval_ms: 600_000 } }));
  const daemon = spawnDaemonProcess(dir, ['--config', file]);
  const paths = pathsIn(dir);
  const client = await waitForDaemon(paths.socketPath);
  // Ports from the kernel's view: whichever of a range is free on this host, so only the range is checked.
  const inRange = (port: number, first: number, last: number) => port >= first && port <= last;
  expect(inRange((await client.allocate({ pid: null, service: 'a' })).allocation.port, 3000, 3099)).toBe(true);

  const cyclesBefore = (await client.status()).health.cycles;
  writeFileSync(file, JSON.stringify({ types: { dev: '3200-3299' }, health_monitoring: { check_interval_ms: 200 } }));
  daemon.kill('SIGHUP');
  await waitFor(async () => (await client.status()).health.check_interval_ms === 200, 'the reload');
  // The shorter interval applies now, not after the 10 minutes already scheduled.
  await waitFor(async () => (await client.status()).health.cycles >= cyclesBefore + 3, 'cycles at the new interval', 5000);
  const b = (await client.allocate({ pid: null, service: 'b' })).allocation.port;
  expect(inRange(b, 3200, 3299)).toBe(true);

  writeFileSync(file, '{ "types": ');
  daemon.kill('SIGHUP');
  const log = join(paths.stateDir, 'daemon.log');
  await waitFor(() => readFileSync(log, 'utf8').includes('configuration not reloaded'), 'the refusal in daemon.log');
  const c = (await client.allocate({ pid: null, service: 'c' })).allocation.port;
  expect(inRange(c, 3200, 3299) && c !== b).toBe(true);
  expect(daemon.exitCode).toBeNull();
});
