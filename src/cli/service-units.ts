/**
 * The systemd user units of `ports service install`: `portkeeper.socket` holds the daemon's
 * socket path and starts `portkeeper.service` (`ports daemon --foreground`) on the first
 * connection. Pure: paths and environment in, unit text (or the reasons it cannot be written) out.
 *
 * Quoting follows systemd.syntax(7)/systemd.service(5): in ExecStart= and Environment= each word
 * is double-quoted with `\` and `"` escaped, `%` (specifiers) doubled, and in ExecStart=
 * arguments `$` (variable expansion) doubled; ListenStream= takes the path as it is, `%` doubled.
 * Control characters (newlines above all) are refused rather than escaped, and so are quotes and
 * backslashes in the executable's path, which systemd refuses there.
 */
export const SOCKET_UNIT = 'portkeeper.socket';
export const SERVICE_UNIT = 'portkeeper.service';

/** The first line of each unit; `ports service uninstall` only removes files that carry it. */
export const UNIT_MARKER = '# Written by `ports service install` (portkeeper).';

/** Variables the daemon resolves its paths from, carried into the service when set at install (PORTS_SOCKET is set from the socket unit). */
export const CARRIED_VARIABLES = ['PORTS_STATE_DIR', 'PORTS_CONFIG', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME'] as const;

export interface ServiceSpec {
  /** Absolute path of node (process.execPath). */
  node: string;
  /** Absolute real path of bin/ports. */
  bin: string;
  /** The daemon's socket path as the CLI resolves it. */
  socketPath: string;
  /** $XDG_RUNTIME_DIR at install time: a socket path under it is written as `%t/…`, the user manager's runtime folder. */
  runtimeDir: string | undefined;
  /** Carried variables (absolute values), in order. */
  environment: ReadonlyArray<readonly [name: string, value: string]>;
  version: string;
}

export type RenderedUnits =
  | { ok: true; socketUnit: string; serviceUnit: string; listenStream: string; warnings: string[] }
  | { ok: false; problems: string[] };

const CONTROL = /[\u0000-\u001f\u007f]/;

const specifiers = (text: string): string => text.replaceAll('%', '%%');
const quoted = (text: string): string => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
/** An ExecStart= argument: quoted, `%` and `$` doubled so neither specifiers nor variables apply. */
export const execWord = (word: string): string => quoted(specifiers(word).replaceAll('$', () => '$$'));
/** The ExecStart= executable: not variable-expanded (a `$` stays), and it may hold no quote or backslash at all. */
export const execPath = (path: string): string => quoted(specifiers(path));
/** One Environment= assignment; `value` already has its specifiers written (`%%`, or `%t` on purpose). */
const assignment = (name: string, value: string): string => quoted(`${name}=${value}`);

/** The socket path as ListenStream= (and PORTS_SOCKET) gets it: `%t/…` under the runtime folder, else literal. */
export function listenStreamFor(socketPath: string, runtimeDir: string | undefined): string {
  const runtime = runtimeDir?.replace(/\/+$/, '');
  if (runtime && runtime.startsWith('/') && socketPath.startsWith(`${runtime}/`)) return `%t${specifiers(socketPath.slice(runtime.length))}`;
  return specifiers(socketPath);
}

function problemsOf(spec: ServiceSpec): string[] {
  const problems: string[] = [];
  const paths: Array<[string, string]> = [
    ['node', spec.node],
    ['bin/ports', spec.bin],
    ['the socket path', spec.socketPath],
    ...spec.environment.map(([name, value]): [string, string] => [name, value]),
  ];
  for (const [what, value] of paths) {
    if (CONTROL.test(value)) problems.push(`${what} (${JSON.stringify(value)}) contains a control character, which a systemd unit cannot hold`);
    else if (!value.startsWith('/')) problems.push(`${what} (${value}) is not an absolute path`);
  }
  if (/["'\\]/.test(spec.node)) problems.push(`node (${spec.node}) has a quote or backslash in its path, which systemd refuses in an executable's path`);
  // ListenStream= is the rest of the line: the parser trims it and a final \ continues the line.
  if (/[\s\\]$/.test(spec.socketPath)) problems.push(`the socket path (${JSON.stringify(spec.socketPath)}) ends in a space or backslash, which ListenStream= cannot hold`);
  return problems;
}

export function renderUnits(spec: ServiceSpec): RenderedUnits {
  const problems = problemsOf(spec);
  if (problems.length > 0) return { ok: false, problems };
  const listenStream = listenStreamFor(spec.socketPath, spec.runtimeDir);
  const header = [UNIT_MARKER, `# portkeeper ${spec.version}; \`ports service uninstall\` disables and removes this file.`, ''];
  const socketUnit = [
    ...header,
    '[Unit]',
    'Description=portkeeper daemon socket (ports)',
    '',
    '[Socket]',
    `ListenStream=${listenStream}`,
    'SocketMode=0600',
    'DirectoryMode=0700',
    'RemoveOnStop=yes',
    '',
    '[Install]',
    'WantedBy=sockets.target',
    '',
  ].join('\n');
  const serviceUnit = [
    ...header,
    '[Unit]',
    'Description=portkeeper port-allocation daemon (ports)',
    `Requires=${SOCKET_UNIT}`,
    `After=${SOCKET_UNIT}`,
    '',
    '[Service]',
    `ExecStart=${execPath(spec.node)} ${execWord(spec.bin)} daemon --foreground --log-format pretty`,
    // The daemon resolves the very path the socket unit listens on (it checks that it does).
    `Environment=${assignment('PORTS_SOCKET', listenStream)}`,
    ...spec.environment.map(([name, value]) => `Environment=${assignment(name, specifiers(value))}`),
    // A clean stop (ports daemon stop, SIGTERM) is not a failure: the socket stays, the next connection starts the daemon.
    'Restart=on-failure',
    '',
  ].join('\n');
  const warnings: string[] = [];
  if (spec.bin.includes('/_npx/')) {
    warnings.push(`bin/ports is in the npx cache (${spec.bin}), which npm may clear; install portkeeper (npm install -g portkeeper) and run ports service install from there`);
  }
  return { ok: true, socketUnit, serviceUnit, listenStream, warnings };
}

export function isOurUnit(text: string): boolean {
  return text.startsWith(UNIT_MARKER);
}

/** The ListenStream= of a socket unit's text, as written (specifiers not expanded), or null. */
export function listenStreamOf(text: string): string | null {
  return /^ListenStream=(.*)$/m.exec(text)?.[1] ?? null;
}
