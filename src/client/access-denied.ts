import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PortsError } from '../errors.js';

/**
 * EACCES on connect: the socket (or a folder on the way to it) is not ours to use. Says whose it
 * is and what to do. Loaded only on that error, so the common path carries no fs work. An
 * `E_PATH` (exit 1), not `E_DAEMON_UNREACHABLE`: a daemon may well be running there, and
 * starting another one would not help (see docs/cli.md, "Exit codes").
 */
export async function accessDeniedError(socketPath: string, cause: unknown): Promise<PortsError> {
  const me = process.getuid?.() ?? -1;
  const base = { socket: socketPath, errno: 'EACCES', reason: 'permission' };
  const info = await stat(socketPath).catch(() => null);
  if (info !== null) {
    const mode = octal(info.mode);
    const owner = await describeUid(info.uid);
    const details = { ...base, ownerUid: info.uid, owner, mode };
    if (info.uid !== me) {
      return new PortsError(
        'E_PATH',
        `Permission denied on ${socketPath}: that socket belongs to ${owner} (mode ${mode}), not to you (uid ${me}), so it is another user's daemon. ` +
          'Set PORTS_SOCKET (or XDG_RUNTIME_DIR) to a path of your own, or check the permissions',
        details,
        { cause },
      );
    }
    return new PortsError(
      'E_PATH',
      `Permission denied on ${socketPath}: the socket is yours but its mode is ${mode} (a daemon makes it 0600). ` +
        'Check its permissions (chmod 600), or remove it and start the daemon again',
      details,
      { cause },
    );
  }
  // The socket cannot even be looked at: the first folder up the path that can is the one
  // that does not let us through.
  for (let folder = dirname(socketPath); ; folder = dirname(folder)) {
    const found = await stat(folder).catch(() => null);
    if (found !== null) {
      const mode = octal(found.mode);
      const owner = await describeUid(found.uid);
      return new PortsError(
        'E_PATH',
        `Permission denied on ${socketPath}: the folder ${folder} (owned by ${owner}, mode ${mode}) does not let you (uid ${me}) reach it. ` +
          'Set PORTS_SOCKET (or XDG_RUNTIME_DIR) to a path of your own, or check the permissions',
        { ...base, folder, ownerUid: found.uid, owner, mode },
        { cause },
      );
    }
    if (folder === dirname(folder)) break;
  }
  return new PortsError('E_PATH', `Permission denied on ${socketPath}; set PORTS_SOCKET (or XDG_RUNTIME_DIR) to a path of your own, or check the permissions`, base, { cause });
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** "uid 1001 (bob)", the name from /etc/passwd when it is there. */
async function describeUid(uid: number): Promise<string> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const name = passwd
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[2] === String(uid))?.[0];
  return name ? `uid ${uid} (${name})` : `uid ${uid}`;
}
