import type { Command } from 'commander';
import { commandPath } from './command-tree.js';

/**
 * The "Examples:" block at the end of a command's --help, by command path after `ports`
 * (`allocate`, `daemon restart`). Each example is a command line and what it does.
 */
export const HELP_EXAMPLES: Readonly<Record<string, ReadonlyArray<readonly [command: string, what: string]>>> = {
  allocate: [
    ['PORT=$(ports allocate web)', 'a port for service web, owned by this shell'],
    ['ports allocate api --type api --json', 'from the api range, as JSON'],
    ['ports allocate web --no-listen-check', 'kept while this shell lives, listened on or not'],
    ['ports allocate db --no-pid --ttl 2h', 'a reservation for two hours'],
    ['ports allocate --port 8080 --owner ci-42', 'exactly 8080, tagged for cleanup --owner ci-42'],
  ],
  release: [
    ['ports release 3000 3001', 'these ports'],
    ['ports release --service web', 'every allocation of service web'],
    ['ports release --owner ci-42 --strict', 'all of a tag; exit 5 when it has none'],
  ],
  status: [
    ['ports status', 'a table on a terminal, tab-separated lines in a pipe'],
    ['ports status --summary', 'counts and the health monitor only'],
    ['ports status --service web --json', 'one service, as JSON'],
    ['ports status --health unhealthy', 'what is failing its checks (a failing health URL stays, reported)'],
  ],
  run: [
    ['ports run -- npm run dev', 'PORT, HOST and PORTS_SERVICE set for the command'],
    ['ports run -- vite --port {port} --strictPort', '{port} in the arguments becomes the port'],
    ['ports run --service api --type api -- node server.js', 'a named service from the api range'],
  ],
  cleanup: [
    ['ports cleanup --dry-run', 'what would be released, changing nothing'],
    ['ports cleanup', 'release what dead, reused or expired owners hold'],
    ['ports cleanup --owner ci-42 --kill --timeout 5s', 'end a CI job: release its ports, stop its servers'],
  ],
  renew: [
    ['ports renew --service db', 'extend by the lease length it was given'],
    ['ports renew 5400 --ttl 2h', 'a new lease of two hours'],
  ],
  who: [['ports who 3000', 'the allocation holding 3000 and what listens on it']],
  kill: [
    ['ports kill 3000', 'stop what listens on 3000 (SIGTERM, SIGKILL after 10s), release it'],
    ['ports kill 3000 3001 --dry-run', 'what would be stopped, changing nothing'],
  ],
  wait: [
    ['ports wait 3000', 'until something listens on 3000 (60s at most)'],
    ['ports wait web --timeout 2m', "until service web's port is listened on"],
    ['ports wait web --http /health', 'until GET /health answers 2xx or 3xx'],
    ['ports wait 3000 --free', 'until nothing listens on 3000 any more'],
  ],
  get: [
    ['ports get api', 'the port of service api'],
    ['API_URL=http://127.0.0.1:$(ports get api)', 'wire one service to another'],
  ],
  env: [
    ['eval "$(ports env)"', 'WEB_PORT=… and the like in this shell'],
    ['ports env --owner ci-42 > .env.ports', "one tag's services, for a .env file"],
  ],
  events: [
    ['ports events --limit 20', 'the last 20 audit events'],
    ['ports events --follow', 'and every new one, until Ctrl-C'],
    ['ports events --follow --json', 'one JSON object per line, for jq'],
  ],
  completion: [
    ['eval "$(ports completion bash)"', 'completion in this bash (or: source <(ports completion bash))'],
    ['ports completion zsh > "${fpath[1]}/_ports"', 'for every new zsh (any folder in $fpath)'],
    ['ports completion fish > ~/.config/fish/completions/ports.fish', 'for every new fish'],
  ],
  help: [
    ['ports help topics', 'the topics of the manual, and the command pages'],
    ['ports help exit-codes', 'one topic'],
    ['ports help allocate --full', 'the whole page of a command, beyond --help'],
  ],
  daemon: [
    ['ports daemon', 'start it in the background (the CLI also does this on first use)'],
    ['ports daemon --foreground --log-level debug', 'run it in this terminal'],
    ['ports daemon status', 'pid, uptime, version, paths'],
    ['ports daemon restart', 'stop it and start it again (new config or version)'],
    ['ports daemon stop', 'stop it gracefully'],
  ],
  service: [
    ['ports service install --print', 'show the systemd user units, write nothing'],
    ['ports service install', 'the daemon starts on first use (CI hosts: also loginctl enable-linger $USER)'],
    ['ports service status', 'installed? enabled? active?'],
  ],
  'service install': [
    ['ports service install --print', 'show the units, write nothing'],
    ['ports service install', 'write them, enable portkeeper.socket'],
    ['ports service install --no-start', 'write them only (no user manager here yet)'],
  ],
};

/** `Examples:`, then each example as a `# what` line over a `$ command` line (commands are too long to share a line in 80 columns). Pure. */
export function formatExamples(examples: ReadonlyArray<readonly [string, string]>): string {
  return ['', 'Examples:', ...examples.flatMap(([command, what]) => [`  # ${what}`, `  $ ${command}`])].join('\n');
}

/** Add the examples of `command`, if it has some, after its options in --help. */
export function attachExamples(command: Command): void {
  const examples = HELP_EXAMPLES[commandPath(command).split(' ').slice(1).join(' ')];
  if (examples !== undefined) command.addHelpText('after', formatExamples(examples));
}
