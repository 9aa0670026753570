import type { Command } from 'commander';
import type { CliContext } from '../../src/cli/context.js';
import { createOutput } from '../../src/cli/output.js';
import { createProgram } from '../../src/cli/program.js';

/** The real `ports` command tree, with a context that prints nowhere and reaches no daemon. */
export function quietProgram(): Command {
  const quiet = { write: () => true };
  const ctx: CliContext = {
    out: createOutput({ stdout: quiet, stderr: quiet, env: {} }),
    env: {},
    connect: () => Promise.reject(new Error('no daemon in this test')),
    callerPid: () => Promise.resolve(process.pid),
  };
  return createProgram(ctx).program;
}
