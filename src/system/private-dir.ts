import { lstat, mkdir } from 'node:fs/promises';
import { PortsError } from '../errors.js';

/**
 * Create a folder 0700 if absent, then check it is a real folder owned by this user and not
 * writable (socket folder: not even readable) by anyone else. A folder another user could have
 * pre-created is refused, with the fix in the message.
 */
export async function ensurePrivateDir(path: string, options: { allowGroupRead: boolean }): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new PortsError('E_PATH', `Cannot create folder ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
  const info = await lstat(path);
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new PortsError('E_PATH', `${path} must be a folder, not a symlink or file`, { path });
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new PortsError(
      'E_PATH',
      `Folder ${path} is owned by uid ${info.uid}, not by you (uid ${uid}); another user may have created it. ` +
        'Remove it or point PORTS_SOCKET / PORTS_STATE_DIR elsewhere.',
      { path, owner: info.uid, uid },
    );
  }
  const forbidden = options.allowGroupRead ? 0o022 : 0o077;
  if ((info.mode & forbidden) !== 0) {
    const mode = (info.mode & 0o777).toString(8);
    throw new PortsError(
      'E_PATH',
      `Folder ${path} has mode ${mode}; it must not be ${options.allowGroupRead ? 'writable' : 'accessible'} by others. Run: chmod 700 ${path}`,
      { path, mode },
    );
  }
}
