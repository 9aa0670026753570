/**
 * The `ports` command line: commander only. Each action calls a plain async function that
 * returns the exit code; nothing here exits the process.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { PACKAGE_VERSION } from '../version.js';
import { HEALTH_ACTIONS } from '../protocol/health-action.js';
import type { AllocateFlags } from './commands/allocate.js';
import type { DaemonStartFlags } from './commands/daemon.js';
import type { CleanupFlags } from './commands/cleanup.js';
import type { EventsFlags } from './commands/events.js';
import type { KillFlags } from './commands/kill.js';
import type { RunFlags } from './commands/run.js';
import type { WaitFlags } from './commands/wait.js';
import type { ReleaseFlags } from './commands/release.js';
import type { ServiceFlags } from './commands/service.js';
import type { StatusFlags } from './commands/status.js';
import type { CliContext, CommonFlags } from './context.js';
import { commandPath, walkCommands } from './command-tree.js';
import { escapeMessage } from '../shared/escape.js';
import { showDefaultCommandOptions } from './help-command.js';
import { attachExamples } from './help-examples.js';
import type { HelpFlags } from './help/help-action.js';
import { SHELLS, type Shell } from './completion/shells.js';
import { rejectRepeatedFlags } from './repeated-flags.js';

export interface ProgramRun {
  program: Command;
  /** The exit code set by the action that ran. */
  exitCode(): number;
}

const jsonOption = () => new Option('--json', 'print one JSON object on stdout');

/** Commander's parser errors read `error: …`; every error of ours reads `ports: …` (docs/cli.md, Output rules). */
export function portsErrorText(text: string): string {
  return escapeMessage(text.replace(/^error: /, 'ports: '));
}

export function createProgram(ctx: CliContext): ProgramRun {
  let code = 0;
  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      code = await action(...args);
    };

  const program = new Command('ports')
    .description('One authority for TCP ports on this host: allocate, release, and reclaim leaked ports.')
    .version(PACKAGE_VERSION, '-V, --version')
    .showHelpAfterError('(run ports --help for usage)')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.out.result(text.trimEnd()),
      writeErr: (text) => ctx.out.message(text.trimEnd()),
      outputError: (text, write) => write(portsErrorText(text)),
    });

  program.addHelpText('after', '\nMore: ports help topics (the manual by topic), ports help COMMAND --full (a command\'s whole page), man ports');

  const daemon = program
    .command('daemon')
    .summary('run, stop, restart or inspect the daemon')
    .description('run, stop, restart or inspect the daemon; without a command, start it (the options below)');
  const start = daemon
    .command('start', { isDefault: true })
    .description('start the daemon (in the background unless --foreground)')
    .option('--foreground', 'run in this terminal, logging to stderr too')
    .addOption(new Option('--detached').hideHelp())
    .option('--socket <path>', 'socket path (default: $PORTS_SOCKET or the XDG runtime path)')
    .option('--state-dir <dir>', 'state folder (default: $PORTS_STATE_DIR or $XDG_STATE_HOME/portkeeper)')
    .option('--config <file>', 'config file layered over the shipped defaults (default: $PORTS_CONFIG)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .addOption(new Option('--log-format <format>', 'the foreground log on stderr (default: pretty on a terminal, json otherwise; daemon.log is always JSON)').choices(['pretty', 'json']))
    .option('--portserver-socket <path>', "also serve Google portpicker's portserver protocol on this socket (for PORTSERVER_ADDRESS)")
    .addOption(jsonOption())
    .action(run(async (flags: DaemonStartFlags) => (await import('./commands/daemon.js')).runDaemonStart(flags, ctx)));
  daemon
    .command('stop')
    .description('stop the daemon gracefully and wait until it is gone')
    .addOption(jsonOption())
    .action(run(async (flags: CommonFlags) => (await import('./commands/daemon.js')).runDaemonStop(flags, ctx)));
  daemon
    .command('status')
    .description('pid, uptime, version and paths of the running daemon (exit 3 when none runs)')
    .addOption(jsonOption())
    .action(run(async (flags: CommonFlags) => (await import('./commands/daemon.js')).runDaemonStatus(flags, ctx)));
  const restart = daemon
    .command('restart')
    .description('stop the daemon if one runs, wait until it is gone, and start it again with these flags (to apply a new config or version)');
  // The same flags as start, whichever start has.
  for (const option of start.options) restart.addOption(option);
  restart.action(run(async (flags: DaemonStartFlags) => (await import('./commands/daemon.js')).runDaemonRestart(flags, ctx)));
  showDefaultCommandOptions(daemon, start);

  const service = program
    .command('service')
    .description('run the daemon as a systemd user service, started by its socket on first use (portkeeper.socket, portkeeper.service)');
  service
    .command('install')
    .description('write the units to $XDG_CONFIG_HOME/systemd/user and enable the socket (systemctl --user)')
    .option('--print', 'show the units, write nothing')
    .option('--no-start', 'only write the units; print the systemctl commands that start them')
    .addOption(jsonOption())
    .action(run(async (flags: ServiceFlags) => (await import('./commands/service.js')).runServiceInstall(flags, ctx)));
  service
    .command('uninstall')
    .description('stop and disable the units, then remove them (only files ports service install wrote)')
    .addOption(jsonOption())
    .action(run(async (flags: CommonFlags) => (await import('./commands/service.js')).runServiceUninstall(flags, ctx)));
  service
    .command('status')
    .description('whether the units are installed, where, and what systemctl --user says about them')
    .addOption(jsonOption())
    .action(run(async (flags: CommonFlags) => (await import('./commands/service.js')).runServiceStatus(flags, ctx)));

  program
    .command('allocate')
    .description('hand out a port and print it (PORT=$(ports allocate web))')
    .argument('[service]', 'service name; the same name gets the same port again when it is free')
    .option('--type <type>', 'service type whose range to use (see config: dev, api, storybook, test …)')
    .option('--port <port>', 'this exact port (exit 6 when it is held)')
    .option('--prefer <list>', 'try these ports first, in order (3000,3005-3010); search as usual when none is free')
    .option('--exclude <list>', 'never hand out these ports (3000,3005-3010)')
    .option('--range <A-B>', 'allocate from this range instead of the type’s')
    .option('--pid <pid>', 'owner process (default: the process that ran ports)')
    .option('--no-pid', 'a reservation with no owner process: only release, --ttl or cleanup ends it')
    .option('--owner <tag>', 'owner tag for release/cleanup --owner (default: the CI job id when in CI)')
    .option('--ttl <duration>', 'lease length, e.g. 30s, 10m, 2h')
    .option('--health-url <url>', 'HTTP URL the health monitor checks')
    .addOption(new Option('--health-action <action>', 'when --health-url keeps failing while the owner lives and the port is held: report (keep it, marked unhealthy), release, or kill (SIGTERM its listener, then release); default from config: report').choices(HEALTH_ACTIONS))
    .option('--no-listen-check', 'do not require the port to be listened on; lives as long as its owner')
    .addOption(jsonOption())
    .action(run(async (service: string | undefined, flags: AllocateFlags) => (await import('./commands/allocate.js')).runAllocate(service, flags, ctx)));

  program
    .command('release')
    .description('release ports; what is not allocated is reported on stderr, exit 0 (unless --strict)')
    .argument('[ports...]', 'ports to release')
    .option('--service <name>', 'release this service’s allocations')
    .option('--pid <pid>', 'release this process’s allocations')
    .option('--owner <tag>', 'release this owner tag’s allocations')
    .option('--strict', 'exit 5 when something named is not allocated (and release nothing)')
    .addOption(jsonOption())
    .action(run(async (ports: string[], flags: ReleaseFlags) => (await import('./commands/release.js')).runRelease(ports, flags, ctx)));

  program
    .command('status')
    .description('allocations: port, service, pid, owner, age, health, failures')
    .option('--service <name>', 'only this service')
    .option('--owner <tag>', 'only this owner tag')
    .option('--type <type>', 'only this service type')
    .addOption(new Option('--health <status>', 'only allocations whose last check says this').choices(['healthy', 'slow', 'unhealthy', 'starting', 'unknown', 'unchecked']))
    .option('--summary', 'counts by type, owner and health, and the health monitor, without the list')
    .option('--limit <n>', 'at most this many allocations, by port (default on a terminal: 100)')
    .option('--after <port>', 'only allocations on ports above this one (the next page)')
    .option('--all', 'every allocation, also on a terminal')
    .addOption(jsonOption())
    .action(run(async (flags: StatusFlags) => (await import('./commands/status.js')).runStatus(flags, ctx)));

  program
    .command('run')
    .description('allocate a port, run a command with PORT set, release when it exits')
    .argument('[command...]', 'the command and its arguments (after --); {port} in them is replaced by the port; none: the dev script of package.json')
    .option('--service <name>', 'service name (default: the current folder’s name, so a re-run gets its port again)')
    .option('--type <type>', 'service type whose range to use')
    .option('--port <port>', 'this exact port (exit 6 when it is held)')
    .option('--prefer <list>', 'try these ports first, in order (3000,3005-3010); search as usual when none is free')
    .option('--exclude <list>', 'never hand out these ports (3000,3005-3010)')
    .option('--range <A-B>', 'allocate from this range')
    .option('--owner <tag>', 'owner tag (default: the CI job id when in CI)')
    .option('--ttl <duration>', 'lease length, e.g. 2h')
    .option('--health-url <url>', 'loopback HTTP URL the health monitor checks')
    .addOption(new Option('--health-action <action>', 'when --health-url keeps failing: report (default), release, or kill (SIGTERM the server, then release)').choices(HEALTH_ACTIONS))
    .option('--no-listen-check', 'do not require the port to be listened on')
    .option('--env-name <var>', 'also set this variable to the port (for tools that ignore PORT)')
    .option('--no-inject', 'do not add --port and the like for dev servers that ignore PORT (vite, astro, ng …)')
    .option('--quiet', 'do not print the "ports: SERVICE → URL" line on stderr')
    .addOption(jsonOption().hideHelp())
    .passThroughOptions()
    .action(run(async (command: string[], flags: RunFlags) => (await import('./commands/run.js')).runRun(command, flags, ctx)));

  program
    .command('cleanup')
    .description('release now what a dead, reused or expired owner holds (or all of --owner)')
    .option('--owner <tag>', 'release every allocation of this owner tag')
    .option('--dry-run', 'show what would happen, change nothing')
    .option('--kill', 'also stop the owner’s processes still listening on those ports (SIGTERM, then SIGKILL)')
    .option('--timeout <duration>', 'with --kill: how long to wait before SIGKILL (default 10s)')
    .option('--force', 'with --kill: stop any process listening on those ports, not only the owner’s')
    .addOption(jsonOption())
    .action(run(async (flags: CleanupFlags) => (await import('./commands/cleanup.js')).runCleanup(flags, ctx)));

  program
    .command('kill')
    .description('stop whatever listens on these ports (TCP or UDP, IPv4 or IPv6; never their clients), then release their allocations')
    .argument('<ports...>', 'the ports to free (1-65535)')
    .option('--timeout <duration>', 'how long to wait after SIGTERM before SIGKILL (default 10s)')
    .option('--force', 'also stop processes of other users (only root can)')
    .option('--dry-run', 'show what would be stopped and released, change nothing')
    .addOption(jsonOption())
    .action(run(async (ports: string[], flags: KillFlags) => (await import('./commands/kill.js')).runKill(ports, flags, ctx)));

  program
    .command('renew')
    .description('extend leases (--ttl) by their length, or by a new one')
    .argument('[ports...]', 'ports to renew')
    .option('--service <name>', 'renew this service’s allocations')
    .option('--ttl <duration>', 'the new lease length, e.g. 30m')
    .addOption(jsonOption())
    .action(run(async (ports: string[], flags: CommonFlags & { service?: string; ttl?: string }) => (await import('./commands/renew.js')).runRenew(ports, flags, ctx)));

  program
    .command('who')
    .description('which allocation holds a port and which process listens on it')
    .argument('<port>')
    .addOption(jsonOption())
    .action(run(async (port: string, flags: CommonFlags) => (await import('./commands/who.js')).runWho(port, flags, ctx)));

  program
    .command('wait')
    .description('wait until something listens on a port or service (127.0.0.1 or ::1), answers HTTP (--http) or is free (--free); exit 7 on timeout')
    .argument('<port-or-service>')
    .option('--timeout <duration>', 'give up after this long (default 60s)')
    .option('--http <path>', 'wait until GET PATH answers 2xx or 3xx (redirects are not followed), e.g. /health')
    .option('--free', 'wait until nothing listens on the port any more (TCP or UDP, any address)')
    .addOption(jsonOption())
    .action(run(async (target: string, flags: WaitFlags) => (await import('./commands/wait.js')).runWait(target, flags, ctx)));

  program
    .command('get')
    .description('print the port of a service (exit 5 when it has none)')
    .argument('<service>')
    .addOption(jsonOption())
    .action(run(async (service: string, flags: CommonFlags) => (await import('./commands/lookup.js')).runGet(service, flags, ctx)));

  program
    .command('env')
    .description('print SERVICE_PORT=… lines for eval or .env files')
    .option('--owner <tag>', 'only this owner tag’s allocations')
    .addOption(jsonOption())
    .action(run(async (flags: CommonFlags & { owner?: string }) => (await import('./commands/lookup.js')).runEnv(flags, ctx)));

  program
    .command('doctor')
    .description('check paths, permissions, versions, config, the ephemeral range, stale allocations, recoveries')
    .addOption(jsonOption())
    .action(run(async (flags: CommonFlags) => (await import('./commands/doctor.js')).runDoctor(flags, ctx)));

  program
    .command('events')
    .description('the audit event stream (allocations created, released, reclaimed; health; daemon)')
    .option('--follow', 'keep printing new events until interrupted')
    .option('--limit <n>', 'how many recent events to show first (default 100)')
    .addOption(jsonOption())
    .action(run(async (flags: EventsFlags) => (await import('./commands/events.js')).runEvents(flags, ctx)));

  program
    .command('metrics')
    .description('Prometheus text exposition of the daemon’s metrics')
    .addOption(jsonOption())
    .action(run(async (flags: CommonFlags) => (await import('./commands/metrics.js')).runMetrics(flags, ctx)));

  program
    .command('help')
    .description('show the help of a command (ports help daemon stop), or a topic of the manual (ports help topics)')
    .argument('[command...]', 'the command, and its subcommand; or a topic')
    .option('--full', "the command's whole page of the manual (docs/cli.md) instead of its --help")
    .action(run(async (names: string[], flags: HelpFlags) => (await import('./help/help-action.js')).runHelp(program, names, flags, ctx.out, ctx.env)));

  program
    .command('completion')
    .description('print the completion script for bash, zsh or fish (source <(ports completion bash))')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action(run(async (shell: Shell) => (await import('./commands/completion.js')).runCompletion(shell, ctx)));

  // What the completion scripts run on each Tab: the words so far in, candidates out.
  program
    .command('__complete', { hidden: true })
    .argument('<shell>')
    .argument('[words...]')
    .action(run(async (shell: string, words: string[]) => (await import('./commands/completion.js')).runComplete(shell, words, program, ctx)));

  // Rules for every command, including those added above later.
  for (const command of walkCommands(program)) {
    command.showHelpAfterError(`(run ${commandPath(command)} --help for usage)`);
    rejectRepeatedFlags(command);
    attachExamples(command);
  }

  return { program, exitCode: () => code };
}

export { CommanderError };
