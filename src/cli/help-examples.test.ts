import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliContext } from './context.js';
import { HELP_EXAMPLES } from './help-examples.js';
import { createOutput } from './output.js';
import { createProgram } from './program.js';

class Parsed extends Error {}

/** The program with every action replaced by "parsed fine", and what it printed. */
function program() {
  let stdout = '';
  let stderr = '';
  const out = createOutput({ stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env: {} });
  const ctx: CliContext = {
    out,
    env: {},
    connect: () => Promise.reject(new Error('no daemon in this test')),
    callerPid: () => Promise.resolve(process.pid),
  };
  const { program } = createProgram(ctx);
  program.hook('preAction', () => {
    throw new Parsed();
  });
  return { program, printed: () => ({ stdout, stderr }) };
}

/** The arguments of the `ports …` in an example's shell line. */
function argvOf(line: string): string[] {
  const match = /(?:^|\$\()ports ([^)"|>]*)/.exec(line);
  if (!match?.[1]) throw new Error(`no ports command in ${line}`);
  return match[1].trim().split(/\s+/);
}

describe('help examples', () => {
  it.each(['allocate', 'release', 'status', 'run', 'cleanup', 'kill', 'wait', 'who', 'get', 'env', 'events', 'daemon', 'completion', 'help'])('%s has some', (command) => {
    expect(HELP_EXAMPLES[command]?.length).toBeGreaterThan(0);
  });

  it('are shown after the options in --help', async () => {
    const { program: p, printed } = program();
    await expect(p.parseAsync(['allocate', '--help'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
    const help = printed().stdout;
    expect(help.indexOf('Examples:\n  # a port for service web, owned by this shell\n  $ PORT=$(ports allocate web)\n')).toBeGreaterThan(help.indexOf('--json'));
  });

  const all = Object.entries(HELP_EXAMPLES).flatMap(([command, examples]) => examples.map(([line]) => [command, line] as const));
  it.each(all)('%s: `%s` parses', async (_command, line) => {
    const { program: p, printed } = program();
    await expect(p.parseAsync(argvOf(line), { from: 'user' })).rejects.toBeInstanceOf(Parsed);
    expect(printed().stderr).toBe('');
  });
});
