import { describe, expect, it } from 'vitest';
import { cliEnv, startTestDaemon } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';
import { holdPort } from './helpers/processes.js';

/** A CLI home with a daemon of its own (no autostart). */
async function home() {
  const dir = useTempDir();
  await startTestDaemon(dir);
  const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
  return { run: (...args: string[]) => runCli(args, env) };
}

/** Reservations from the daemon: ports it gave out, so nothing else holds them. */
async function reserve(run: (...args: string[]) => Promise<{ stdout: string }>, count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(Number((await run('allocate', '--no-pid', '--range', '20000-29999')).stdout));
  return ports;
}

describe('ports allocate --prefer / --exclude', () => {
  it('takes the first preferred port that is neither allocated nor in use', async () => {
    const { run } = await home();
    const [held, free] = await reserve(run, 2);
    await run('release', String(free));
    const busy = await holdPort();
    const result = await run('allocate', '--no-pid', '--prefer', `${busy},${held},${free}`);
    expect(result).toMatchObject({ code: 0, stdout: `${free}\n`, stderr: '' });
  });

  it('falls back to the usual search when no preferred port is free, leaving out excluded ports', async () => {
    const { run } = await home();
    const [held] = await reserve(run, 1);
    const [first] = await reserve(run, 1);
    await run('release', String(first));
    // The next search in 20000-29999 would give the port after `first`; exclude it and the one after.
    const result = await run('allocate', '--no-pid', '--range', '20000-29999', '--prefer', String(held), '--exclude', `${first! + 1}-${first! + 2}`, '--json');
    expect(result.code).toBe(0);
    const port = (JSON.parse(result.stdout) as { port: number }).port;
    expect([held, first! + 1, first! + 2]).not.toContain(port);
    expect(port).toBeGreaterThanOrEqual(20000);
  });

  it.each([
    [['--prefer', '3000', '--port', '3001'], 'ports: --prefer and --port cannot be used together (--port is exact; --prefer falls back to a search)'],
    [['--port', '3001', '--exclude', '3000-3005'], 'ports: --port 3001 is also in --exclude'],
    [['--prefer', '3000,,3001'], 'ports: --prefer: "3000,,3001" has an empty item; give ports and ranges separated by commas, e.g. 3000,3005-3010'],
    [['--exclude', '3010-3000'], 'ports: --exclude: "3010-3000" starts after it ends'],
  ])('exits 2 for %j', async (flags, message) => {
    const { run } = await home();
    const result = await run('allocate', '--no-pid', ...flags);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(message);
  });
});
