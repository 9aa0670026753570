import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliEnv, startTestDaemon } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * A process whose command line carries terminal escapes and a newline: what `ports who` and
 * `ports cleanup --kill` print about it cannot clear the screen, colour it, or forge a line.
 * --json stays raw (JSON escapes it already).
 */
const EVIL = 'evil\u001b[2J\u001b[31m\nFAKE LINE';
const SHOWN = 'evil\\x1b[2J\\x1b[31m\\nFAKE LINE';

// Listens on 127.0.0.1 (port 0: one the kernel picks, or the one given), prints it, waits to be killed.
const SCRIPT = `
const server = require('node:net').createServer();
server.listen(Number(process.env.LISTEN_PORT || 0), '127.0.0.1', () => console.log(server.address().port));
setTimeout(() => process.exit(0), 60000);
`;

/**
 * Spawn `node -e 'eval(process.env.SCRIPT)' EVIL` (argv as an array, no shell; the script kept
 * out of argv so EVIL falls within the 80 characters cleanup shows); resolves with pid and port.
 */
async function evilListener(port = 0): Promise<{ pid: number; port: number }> {
  const child = spawn(process.execPath, ['-e', 'eval(process.env.SCRIPT)', EVIL], { env: { ...process.env, SCRIPT, LISTEN_PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const listening = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the listener did not start within 10 s')), 10_000);
    child.stdout.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(Number(chunk.toString().trim()));
    });
  });
  return { pid: child.pid ?? 0, port: listening };
}

function expectHarmless(text: string): void {
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  expect(text.split('\n').some((line) => line.startsWith('FAKE LINE'))).toBe(false);
}

describe('process-provided text in human output', () => {
  it('ports who PORT escapes the listener’s command line; --json keeps it raw', async () => {
    const dir = useTempDir();
    await startTestDaemon(dir);
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    const { pid, port } = await evilListener();

    const who = await runCli(['who', String(port)], env);
    expect(who.code).toBe(0);
    expectHarmless(who.stdout);
    expect(who.stdout).toContain(`  listening: pid ${pid} ${process.execPath} -e eval(process.env.SCRIPT) ${SHOWN}\n`);
    // port, allocated: no, the listener, and the command that would register it.
    expect(who.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(who.stdout).toMatch(new RegExp(`\n  to register it: ports allocate \\S+ --port ${port} --pid ${pid}\n$`));

    const json = JSON.parse((await runCli(['who', String(port), '--json'], env)).stdout) as { listeners: Array<{ pid: number; command: string }> };
    expect(json.listeners).toEqual([{ pid, command: expect.stringContaining(EVIL) }]);
  });

  it('ports cleanup --kill escapes the command line of a listener it leaves running', async () => {
    const dir = useTempDir();
    const daemon = await startTestDaemon(dir);
    const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1' });
    // A reservation (no owner process) on a port from the daemon, then the listener takes it.
    const reserved = await runCli(['allocate', '--no-pid', '--owner', 'hostile-output', '--type', 'test'], env);
    expect(reserved.code).toBe(0);
    const { pid } = await evilListener(Number(reserved.stdout.trim()));

    const cleanup = await runCli(['cleanup', '--owner', 'hostile-output', '--kill', '--dry-run'], env);
    expect(cleanup.code).toBe(0);
    expectHarmless(cleanup.stderr);
    expect(cleanup.stderr).toContain(`  left pid ${pid} (${process.execPath} -e eval(process.env.SCRIPT) ${SHOWN}) running: reservation without an owner process (use --force)\n`);
    expect(daemon.store.allocations.size).toBe(1);
  });
});
