/**
 * systemd socket activation (sd_listen_fds(3)): a service manager that opened the listening
 * socket itself passes it as fd 3 (SD_LISTEN_FDS_START) with `LISTEN_PID` set to the pid it
 * started and `LISTEN_FDS` to the number of descriptors. The variables are for that one process:
 * `LISTEN_PID` naming another one (a parent's variables leaking into a child) means "not for us".
 * Pure: the environment and our pid in, a decision out.
 */
export const SD_LISTEN_FDS_START = 3;

/** The variables of the protocol, removed after reading (as `sd_listen_fds(1)` does) so children never see them. */
export const LISTEN_VARIABLES = ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES'] as const;

export type ListenFds =
  /** No `LISTEN_PID`: bind the socket path as usual. */
  | { kind: 'none' }
  /** Variables present but not for this process (or passing no descriptor): bind as usual, and say why. */
  | { kind: 'ignored'; reason: string }
  /** Meant for this process but unusable: refuse to start rather than guess. */
  | { kind: 'invalid'; reason: string }
  /** Serve `fd`; `extra` more descriptors follow it (fd 4 …) and are not used. */
  | { kind: 'inherited'; fd: number; extra: number; names: string[] };

const DECIMAL = /^[0-9]+$/;

export function parseListenFds(env: NodeJS.ProcessEnv, pid: number): ListenFds {
  const listenPid = env['LISTEN_PID'];
  if (listenPid === undefined || listenPid === '') return { kind: 'none' };
  if (!DECIMAL.test(listenPid) || Number(listenPid) <= 0) return { kind: 'ignored', reason: `LISTEN_PID=${listenPid} is not a process id` };
  if (Number(listenPid) !== pid) return { kind: 'ignored', reason: `LISTEN_PID=${listenPid} names another process (this is ${pid})` };
  const listenFds = env['LISTEN_FDS'];
  if (listenFds === undefined || !DECIMAL.test(listenFds) || !Number.isSafeInteger(Number(listenFds))) {
    return { kind: 'invalid', reason: `LISTEN_PID names this process but LISTEN_FDS=${listenFds ?? '(unset)'} is not a count of descriptors` };
  }
  const count = Number(listenFds);
  if (count === 0) return { kind: 'ignored', reason: 'LISTEN_FDS=0: no socket was passed' };
  const names = env['LISTEN_FDNAMES'] ? env['LISTEN_FDNAMES'].split(':') : [];
  return { kind: 'inherited', fd: SD_LISTEN_FDS_START, extra: count - 1, names };
}

/** Remove the variables from `env` (whatever they said), so processes started later do not inherit them. */
export function clearListenFds(env: NodeJS.ProcessEnv): void {
  for (const name of LISTEN_VARIABLES) delete env[name];
}

/** Read the variables for `pid`, then remove them from each of `envs`. */
export function takeListenFds(pid: number, ...envs: NodeJS.ProcessEnv[]): ListenFds {
  const result = envs[0] === undefined ? ({ kind: 'none' } as const) : parseListenFds(envs[0], pid);
  for (const env of envs) clearListenFds(env);
  return result;
}
