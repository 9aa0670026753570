import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { cliEnv, startTestDaemon } from './helpers/daemon.js';
import { holdPort } from './helpers/processes.js';
import { useTempDir } from './helpers/temp-dir.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/allocate-once.mjs', import.meta.url));

function allocateInProcess(env: NodeJS.ProcessEnv, range: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE, range], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    // 200 node processes start at once on a 2-core machine: about a minute of CPU before the last one connects.
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Number(out.trim()));
      else reject(new Error(`allocating process exited ${code}: ${err}`));
    });
  });
}

it('gives 200 concurrent processes 200 distinct ports, none already in use by the OS', async () => {
  const dir = useTempDir();
  const daemon = await startTestDaemon(dir);
  // Hold a few ports of the range with real listeners first (one already busy on this host is held all the same).
  const held = [23000, 23001, 23050, 23199];
  for (const port of held) await holdPort(port);
  const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
  const ports = await Promise.all(Array.from({ length: 200 }, () => allocateInProcess(env, '23000-23299')));

  expect(new Set(ports).size).toBe(200);
  for (const port of held) expect(ports).not.toContain(port);
  expect(daemon.store.allocations.size).toBe(200);
}, 240_000);
