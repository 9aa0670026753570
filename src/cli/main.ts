import { PortsClient } from '../client/client.js';
import { connectClient } from '../client/client.js';
import { isPortsError, toPortsError } from '../errors.js';
import { isResourceError } from '../system/resource-errors.js';
import { PACKAGE_VERSION } from '../version.js';
import type { CliContext } from './context.js';
import { escapeMessage } from '../shared/escape.js';
import { outOfResources } from './out-of-resources.js';
import { createOutput, type CliStreams } from './output.js';
import { CommanderError, createProgram } from './program.js';

/**
 * The CLI entry: builds the real context, runs the program, maps errors to exit codes.
 * Only bin/ports calls process.exit (through the returned code).
 */
export async function runCli(argv: string[], streams: CliStreams): Promise<number> {
  const out = createOutput(streams);
  // Ours only: a `--json` after `--` belongs to the command `ports run` starts.
  const separator = argv.indexOf('--');
  const json = (separator === -1 ? argv : argv.slice(0, separator)).includes('--json');
  const ctx: CliContext = {
    out,
    env: streams.env,
    callerPid: async () => (await import('./caller-pid.js')).callerPid(),
    async connect(options = {}) {
      const client: PortsClient = await connectClient({
        env: streams.env,
        clientName: `ports-cli/${PACKAGE_VERSION}`,
        ...(options.socketPath !== undefined ? { socketPath: options.socketPath } : {}),
        ...(options.autostart !== undefined ? { autostart: options.autostart } : {}),
      });
      const daemonVersion = client.daemon?.version;
      if (daemonVersion && daemonVersion !== PACKAGE_VERSION && !json) {
        out.message(`note: the daemon runs portkeeper ${daemonVersion}, this CLI is ${PACKAGE_VERSION}; restart it with: ports daemon restart`);
      }
      return client;
    },
  };
  const { program, exitCode } = createProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version asked for exit 0. Help shown because something was missing (`ports`
      // alone) and every other commander error are usage errors.
      const asked = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help';
      if (asked && error.exitCode === 0) return 0;
      const message = error.code === 'commander.help' ? 'Name a command; ports --help lists them' : error.message.replace(/^error: /, '');
      if (json) out.json({ ok: false, error: { code: 'E_USAGE', message } });
      return 2;
    }
    const wrapped = isResourceError(error) ? outOfResources(error) : toPortsError(error);
    if (json) out.json({ ok: false, error: wrapped.toWire() });
    if (!isPortsError(error) && wrapped.code === 'E_INTERNAL') {
      out.message(`ports: internal error (a bug): ${(error as Error)?.stack ?? String(error)}`);
    } else {
      // A message may quote text a request or another process chose.
      out.message(`ports: ${escapeMessage(wrapped.message)}`);
      if (wrapped.code === 'E_INTERNAL') out.message('This is a bug in portkeeper; the daemon log (daemon.log in the state folder) has the details.');
    }
    return wrapped.exitCode;
  }
}

