import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BIN, cliEnv, pathsIn, waitFor } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/**
 * `ports daemon --foreground` (what `npm start` runs): readable lines on a terminal, JSON lines
 * when stderr is a pipe or a file, or as --log-format says; daemon.log is JSON either way.
 * The terminal is a real pty (util-linux `script`).
 */
function startForeground(args: string[], onTerminal: boolean) {
  const dir = useTempDir();
  const env = cliEnv(dir, { PORTS_NO_AUTOSTART: '1', TERM: 'xterm' });
  const command = [process.execPath, BIN, 'daemon', '--foreground', ...args];
  // Our own paths and fixed words only: nothing a user typed reaches the shell `script` runs.
  const child = onTerminal
    ? spawn('script', ['-qfec', command.map((word) => `'${word}'`).join(' '), '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(command[0] ?? '', command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  onTestFinished(async () => {
    await runCli(['daemon', 'stop'], env);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { env, dir, output: () => output, exited };
}

const PRETTY_START = /^\d\d:\d\d:\d\d\.\d{3} INFO {2}daemon started socket=\//m;
const plain = (text: string) => text.replace(/\u001b\[\d+m/g, '');

describe('the foreground log', () => {
  it('is readable lines, coloured, on a terminal; daemon.log stays JSON', async () => {
    const daemon = startForeground([], true);
    await waitFor(() => daemon.output().includes('daemon started'), 'the start line', 15_000);
    expect(plain(daemon.output())).toMatch(PRETTY_START);
    expect(daemon.output()).toContain('\u001b[32mINFO');
    expect(daemon.output()).not.toContain('"msg":"daemon started"');
    const logged = readFileSync(join(pathsIn(daemon.dir).stateDir, 'daemon.log'), 'utf8').split('\n')[0] ?? '';
    expect(JSON.parse(logged)).toMatchObject({ level: 30, msg: 'daemon started' });
  });

  it('is JSON lines on a terminal with --log-format json', async () => {
    const daemon = startForeground(['--log-format', 'json'], true);
    await waitFor(() => daemon.output().includes('daemon started'), 'the start line', 15_000);
    expect(daemon.output()).toMatch(/^\{"level":30,"time":\d+,.*"msg":"daemon started"\}\r?$/m);
  });

  it('is JSON lines when stderr is not a terminal, and readable with --log-format pretty (no colour)', async () => {
    const json = startForeground([], false);
    await waitFor(() => json.output().includes('daemon started'), 'the start line', 15_000);
    expect(JSON.parse(json.output().split('\n')[0] ?? '')).toMatchObject({ level: 30, msg: 'daemon started' });

    const pretty = startForeground(['--log-format', 'pretty'], false);
    await waitFor(() => pretty.output().includes('daemon started'), 'the start line', 15_000);
    expect(pretty.output()).toMatch(PRETTY_START);
    expect(pretty.output()).not.toContain('\u001b[');
  });

  it('refuses an unknown format as a usage error', async () => {
    const result = await runCli(['daemon', '--foreground', '--log-format', 'xml'], cliEnv(useTempDir()));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('xml');
  });
});
