/**
 * A reader that goes away early (`ports status | head -1`, `ports events | head`) ends the
 * command quietly: a closed stdout exits 0 at once, with no trace, like `ls | head`; a closed
 * stderr is ignored, so a message nobody reads never stops a command (nor `ports run`, whose
 * command would otherwise lose its wrapper). Exit 0 rather than the shell's 141: a pipeline under
 * `set -o pipefail` whose reader took what it wanted has not failed.
 */
interface ErrorSource {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

export function quietOnClosedOutput(stdout: ErrorSource, stderr: ErrorSource, exit: (code: number) => void): void {
  stdout.on('error', (error) => exit(error.code === 'EPIPE' ? 0 : 1));
  stderr.on('error', () => undefined);
}
