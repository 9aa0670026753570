import { Command, CommanderError, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { allowRepeats, rejectRepeatedFlags, repeatProblem } from './repeated-flags.js';

function parse(args: string[], extra: (command: Command) => void = () => undefined) {
  let errors = '';
  const command = new Command('t')
    .exitOverride()
    .configureOutput({ writeErr: (text) => (errors += text), writeOut: () => undefined })
    .option('--port <port>')
    .option('--pid <pid>')
    .option('--no-pid')
    .option('--no-listen-check')
    .option('--json')
    .addOption(new Option('--health <status>').choices(['healthy', 'slow']))
    .action(() => undefined);
  extra(command);
  rejectRepeatedFlags(command);
  try {
    command.parse(args, { from: 'user' });
    return { ok: true as const, options: command.opts() };
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { ok: false as const, errors: errors.trim() };
  }
}

describe('repeated flags', () => {
  it('refuses a flag with a value given twice, naming the flag and both values', () => {
    expect(parse(['--port', '7010', '--port', '7011'])).toEqual({
      ok: false,
      errors: "error: --port was given more than once ('7010', '7011'); it takes one value",
    });
    expect(parse(['--port=7010', '--port', '7010'])).toMatchObject({ ok: false });
    expect(parse(['--health', 'slow', '--health', 'healthy'])).toMatchObject({ ok: false, errors: expect.stringContaining('--health was given more than once') });
  });

  it('lets a boolean flag given twice through', () => {
    expect(parse(['--json', '--json', '--no-listen-check', '--no-listen-check'])).toEqual({ ok: true, options: { json: true, listenCheck: false } });
  });

  it('refuses a flag together with its --no- form, in either order', () => {
    expect(parse(['--pid', '5', '--no-pid'])).toEqual({ ok: false, errors: 'error: --pid and --no-pid cannot be used together' });
    expect(parse(['--no-pid', '--pid', '5'])).toEqual({ ok: false, errors: 'error: --no-pid and --pid cannot be used together' });
    expect(parse(['--no-pid', '--no-pid'])).toEqual({ ok: true, options: { pid: false, listenCheck: true } });
  });

  it('keeps single uses as they were', () => {
    expect(parse(['--port', '7010', '--pid', '5'])).toEqual({ ok: true, options: { port: '7010', pid: '5', listenCheck: true } });
  });

  it('collects every value of an option marked repeatable, and of a variadic one', () => {
    const collect = (value: string, previous: string[] = []) => [...previous, value];
    const marked = parse(['--tag', 'a', '--tag', 'b', '--many', 'x', '--many', 'y'], (command) =>
      command.addOption(allowRepeats(new Option('--tag <tag>').argParser(collect))).addOption(new Option('--many <values...>')),
    );
    expect(marked).toMatchObject({ ok: true, options: { tag: ['a', 'b'], many: ['x', 'y'] } });
  });

  it('is decided by a pure rule', () => {
    const use = { flag: '--service', earlierFlag: '--service', earlierValue: 'alpha', value: 'beta', takesValue: true };
    expect(repeatProblem(use)).toBe("--service was given more than once ('alpha', 'beta'); it takes one value");
    expect(repeatProblem({ ...use, earlierFlag: null })).toBeNull();
    expect(repeatProblem({ ...use, takesValue: false })).toBeNull();
  });
});
