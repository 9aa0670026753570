import { describe, expect, it } from 'vitest';
import { quietProgram } from '../../../test/helpers/program.js';
import { planCompletion, type CompletionPlan } from './complete.js';
import { describeCommand } from './spec.js';

const spec = describeCommand(quietProgram());
const plan = (line: string): CompletionPlan => {
  const words = line.split(' ');
  const current = words.pop() ?? '';
  return planCompletion(spec, words, current);
};
const offered = (line: string): string[] => {
  const result = plan(line);
  if (result.type !== 'values') throw new Error(`not values: ${JSON.stringify(result)}`);
  return result.candidates.map((candidate) => candidate.value).filter((value) => value.startsWith(result.prefix));
};

describe('planCompletion on the real command tree', () => {
  it('offers the commands, with their descriptions, and not the hidden __complete', () => {
    const top = plan('');
    expect(top.type === 'values' && top.candidates.find((candidate) => candidate.value === 'allocate')?.description).toMatch(/^hand out a port/);
    expect(offered('')).toEqual(expect.arrayContaining(['daemon', 'allocate', 'release', 'run', 'help', 'completion']));
    expect(offered('')).not.toContain('__complete');
    expect(offered('re')).toEqual(['release', 'renew']);
  });

  it('offers the subcommands of daemon, and the flags of its default start command', () => {
    expect(offered('daemon ')).toEqual(expect.arrayContaining(['start', 'stop', 'status', 'restart']));
    expect(offered('daemon --')).toEqual(expect.arrayContaining(['--foreground', '--socket', '--log-format', '--help']));
    expect(offered('daemon --')).not.toContain('--detached');
  });

  it('offers the flags of a command, without those already given (--pid and --no-pid are one)', () => {
    expect(offered('allocate --')).toEqual(expect.arrayContaining(['--type', '--port', '--pid', '--no-pid', '--no-listen-check', '--json', '--help']));
    const after = offered('allocate web --pid 5 --json --');
    expect(after).not.toContain('--pid');
    expect(after).not.toContain('--no-pid');
    expect(after).not.toContain('--json');
    expect(after).toContain('--owner');
  });

  it("offers a flag's choices, also as --flag=VALUE", () => {
    expect(offered('daemon --log-format ')).toEqual(['pretty', 'json']);
    expect(plan('status --health=un')).toMatchObject({ type: 'values', prefix: 'un', insert: '--health=' });
    expect(offered('completion ')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('names the values that need fetching: services, ports, owners, pids, types, log levels, topics', () => {
    expect(plan('get ')).toMatchObject({ type: 'values', kinds: ['services'] });
    expect(plan('wait ')).toMatchObject({ type: 'values', kinds: ['ports', 'services'] });
    expect(plan('release 3000 ')).toMatchObject({ type: 'values', kinds: ['ports'], exclude: ['3000'] });
    expect(plan('cleanup --owner ')).toMatchObject({ type: 'values', kinds: ['owners'] });
    expect(plan('release --pid ')).toMatchObject({ type: 'values', kinds: ['pids'] });
    expect(plan('allocate --type ')).toMatchObject({ type: 'values', kinds: ['types'] });
    expect(plan('daemon restart --log-level ')).toMatchObject({ type: 'values', kinds: ['log-levels'] });
    expect(plan('help ')).toMatchObject({ type: 'values', kinds: ['help'] });
  });

  it('leaves file and folder flags to the shell', () => {
    expect(plan('daemon --config ')).toEqual({ type: 'files', insert: '' });
    expect(plan('daemon --config=./c')).toEqual({ type: 'files', insert: '--config=' });
    expect(plan('daemon start --state-dir ')).toEqual({ type: 'dirs', insert: '' });
  });

  it('offers nothing for a value no list holds (a duration), nor after the last argument', () => {
    expect(plan('allocate --ttl ')).toEqual({ type: 'none' });
    expect(plan('who 3000 x')).toEqual({ type: 'none' });
  });

  it('offers the flags when a command takes no argument and nothing is typed', () => {
    expect(offered('status ')).toEqual(expect.arrayContaining(['--service', '--summary']));
  });

  it('hands the words after `ports run --` (or its first argument) to the shell as a command line', () => {
    expect(plan('run -- ')).toEqual({ type: 'command', offset: 2 });
    expect(plan('run --service web -- npm ru')).toEqual({ type: 'command', offset: 4 });
    expect(plan('run --service web np')).toEqual({ type: 'command', offset: 3 });
    expect(plan('run vite --port')).toEqual({ type: 'command', offset: 1 });
    expect(offered('run --')).toContain('--service');
  });

  it('after -- elsewhere, takes every word as an argument', () => {
    expect(plan('release -- -')).toMatchObject({ type: 'values', kinds: ['ports'] });
  });

  it('offers commands, then their subcommands, to ports help', () => {
    expect(offered('help da')).toEqual(['daemon']);
    expect(offered('help daemon ')).toEqual(expect.arrayContaining(['stop', 'restart']));
    expect(plan('help daemon ')).toMatchObject({ kinds: [] });
    expect(offered('help --')).toContain('--full');
  });
});
