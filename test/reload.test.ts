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
  expect((await client.allocate({ pid: null, service: 'a' })).allocation.port).toBe(3000);

  const cyclesBefore = (await client.status()).health.cycles;
  writeFileSync(file, JSON.stringify({ types: { dev: '3200-3299' }, health_monitoring: { check_interval_ms: 200 } }));
  daemon.kill('SIGHUP');
  await waitFor(async () => (await client.status()).health.check_interval_ms === 200, 'the reload');
  // The shorter interval applies now, not after the 10 minutes already scheduled.
  await waitFor(async () => (await client.status()).health.cycles >= cyclesBefore + 3, 'cycles at the new interval', 5000);
  expect((await client.allocate({ pid: null, service: 'b' })).allocation.port).toBe(3200);

  writeFileSync(file, '{ "types": ');
  daemon.kill('SIGHUP');
  const log = join(paths.stateDir, 'daemon.log');
  await waitFor(() => readFileSync(log, 'utf8').includes('configuration not reloaded'), 'the refusal in daemon.log');
  expect((await client.allocate({ pid: null, service: 'c' })).allocation.port).toBe(3201);
  expect(daemon.exitCode).toBeNull();
});
