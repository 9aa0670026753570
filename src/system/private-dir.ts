/**
 * The daemon's own folders (state, socket): a real folder owned by this user and not writable
 * (socket folder: not even readable) by anyone else. A folder another user could have pre-created
 * is refused, with the fix in the message. `ports doctor` reports the same problems.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { PortsError, type ErrorDetails } from '../errors.js';

/** Which folder it is. */
export interface PrivateDirOptions {
  /** The state folder may be group- and world-readable; the socket folder not even that. */
  allowGroupRead: boolean;
}

export interface PrivateDirProblem {
  message: string;
  details: ErrorDetails;
}

/** What lstat says about the folder, as far as the check needs it. */
export type FolderInfo = { isSymbolicLink(): boolean; isDirectory(): boolean; uid: number; mode: number };

/**
 * Why the daemon would refuse the folder at `path` that lstat described as `info`, or null when it
 * may use it. `uid` is the user's (undefined where there are none). Pure.
 */
export function privateDirProblem(path: string, info: FolderInfo, options: PrivateDirOptions & { uid: number | undefined }): PrivateDirProblem | null {
  if (info.isSymbolicLink() || !info.isDirectory()) return { message: `${path} must be a folder, not a symlink or file`, details: { path } };
  const { uid } = options;
  if (uid !== undefined && info.uid !== uid) {
    return {
      message:
        `Folder ${path} is owned by uid ${info.uid}, not by you (uid ${uid}); another user may have created it. ` +
        'Remove it or point PORTS_SOCKET / PORTS_STATE_DIR elsewhere.',
      details: { path, owner: info.uid, uid },
    };
  }
  const forbidden = options.allowGroupRead ? 0o022 : 0o077;
  if ((info.mode & forbidden) !== 0) {
    const mode = (info.mode & 0o777).toString(8);
    return {
      message: `Folder ${path} has mode ${mode}; it must not be ${options.allowGroupRead ? 'writable' : 'accessible'} by others. Run: chmod 700 ${path}`,
      details: { path, mode },
    };
  }
  return null;
}

/** Create the folder 0700 if absent, then refuse it (E_PATH) when privateDirProblem finds one. */
export async function ensurePrivateDir(path: string, options: PrivateDirOptions): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new PortsError('E_PATH', `Cannot create folder ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
  const problem = privateDirProblem(path, await lstat(path), { ...options, uid: process.getuid?.() });
  if (problem) throw new PortsError('E_PATH', problem.message, problem.details);
}
