/**
 * Small /proc files read synchronously into one reused buffer: open, read, close, without the
 * stat and the allocation readFileSync adds. procfs answers from memory, so on the request path
 * this costs a few microseconds where a thread-pool read costs tens.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const buffer = Buffer.allocUnsafe(64 * 1024);

/** The file's text (at most 64 KiB), or the errno code when it cannot be read. */
export function readProcFile(path: string): string | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  try {
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0 || length + read >= buffer.length) {
        length += read;
        break;
      }
      length += read;
    }
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? 'EIO' };
  } finally {
    closeSync(fd);
  }
}
