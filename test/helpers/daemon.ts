import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { connectClient } from '../../src/client/client.js';
import type { PortsClient } from '../../src/client/client.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { createSilentLogger } from '../../src/daemon/logger.js';
import { mergeLayers } from '../../src/config/load.js';
import { procInspector } from '../../src/system/process-info.js';
import { useTempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

export { waitFor };

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'ports');

export function testConfig(overrides: Record<string, unknown> = {}): Config {
  const { config } = loadConfig({ env: {}, userFile: null });
  return mergeLayers(config, overrides) as unknown as Config;
}

export interface TestPaths {
  socketPath: string;
  stateDir: string;
}

export function pathsIn(dir: string): TestPaths {
  return { socketPath: join(dir, 'run', 'ports.sock'), stateDir: join(dir, 'state') };
}

/** A real daemon in this process on a real socket in `dir`; closed when the test ends. */
export async function startTestDaemon(dir: string, overrides: Record<string, unknown> = {}): Promise<Daemon> {
  const paths = pathsIn(dir);
  const daemon = await startDaemon({
    config: testConfig(overrides),
    socketPath: paths.socketPath,
    stateDir: paths.stateDir,
    foreground: false,
    logger: createSilentLogger(),
  });
  onTestFinished(() => daemon.close('test finished'));
  return daemon;
}

export async function clientFor(socketPath: string): Promise<PortsClient> {
  const client = await connectClient({ socketPath, autostart: false });
  onTestFinished(() => client.destroy());
  return client;
}

export function cliEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const paths = pathsIn(dir);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing of the developer's own setup leaks in; `extra` may set these again.
  for (const name of ['NO_COLOR', 'PORTS_CONFIG', 'PORTS_NO_AUTOSTART', 'PORTS_LOG_LEVEL', 'XDG_RUNTIME_DIR']) delete env[name];
  return { ...env, PORTS_SOCKET: paths.socketPath, PORTS_STATE_DIR: paths.stateDir, XDG_CONFIG_HOME: join(dir, 'config'), ...extra };
}

/** The daemon as its own process (`ports daemon --foreground`), killed (SIGKILL) when the test ends. */
export function spawnDaemonProcess(dir: string, extraArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'daemon', '--foreground', '--detached', ...extraArgs], {
    env: cliEnv(dir),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** A daemon in its own process (its memory can be read) with `config` as its config file; killed when the test ends. */
export async function daemonProcess(config: Record<string, unknown> = {}) {
  const dir = useTempDir();
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawnDaemonProcess(dir, ['--config', file]);
  const client = await waitForDaemon(pathsIn(dir).socketPath);
  return { dir, pid: child.pid ?? 0, socketPath: pathsIn(dir).socketPath, client };
}

export async function waitForDaemon(socketPath: string, timeoutMs = 30_000): Promise<PortsClient> {
  let client: PortsClient | null = null;
  await waitFor(
    async () => {
      try {
        client = await connectClient({ socketPath, autostart: false });
        return true;
      } catch {
        return false;
      }
    },
    `a daemon on ${socketPath}`,
    timeoutMs,
  );
  const connected = client as unknown as PortsClient;
  onTestFinished(() => connected.destroy());
  return connected;
}

export async function waitForExit(pid: number, timeoutMs = 10_000): Promise<void> {
  // A zombie (exited, not yet reaped by its parent) counts as gone.
  await waitFor(async () => {
    const owner = await procInspector.inspect(pid);
    return owner === null || owner.zombie;
  }, `pid ${pid} to exit`, timeoutMs);
}
