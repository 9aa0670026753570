import { describe, expect, it } from 'vitest';
import { callerPid, isRunnerShim, type ProcessView } from './caller-pid.js';

function view(tree: Record<number, { ppid: number; args: string[] }>): ProcessView {
  return {
    cmdline: async (pid) => tree[pid]?.args ?? null,
    parent: async (pid) => (tree[pid] ? { ppid: tree[pid].ppid, comm: tree[pid].args[0] ?? '' } : null),
  };
}

describe('isRunnerShim', () => {
  it.each([
    [['npx', 'ports', 'allocate'], true],
    [['/usr/bin/node', '/usr/lib/node_modules/npm/bin/npx-cli.js', 'ports'], true],
    [['node', '/usr/lib/node_modules/npm/bin/npm-cli.js', 'exec', 'ports'], true],
    [['npm', 'exec', 'ports'], true],
    [['pnpm', 'dlx', 'portkeeper'], true],
    // npm 11 rewrites its title: cmdline is one string.
    [['npm exec ports allocate web'], true],
    [['npm run dev'], false],
    [['node', '/usr/lib/node_modules/npm/bin/npm-cli.js', 'run', 'dev'], false],
    [['npm', 'run', 'dev'], false],
    [['bash'], false],
    [['node', 'server.js'], false],
  ])('%j → %s', (args, expected) => {
    expect(isRunnerShim(args)).toBe(expected);
  });
});

describe('callerPid', () => {
  it('is the direct parent for a shell', async () => {
    expect(await callerPid(view({ 50: { ppid: 1, args: ['bash'] } }), 50)).toBe(50);
  });

  it('skips npx and the sh -c it runs the bin in', async () => {
    const tree = {
      50: { ppid: 1, args: ['bash'] },
      60: { ppid: 50, args: ['node', '/usr/lib/node_modules/npm/bin/npx-cli.js', 'ports', 'allocate'] },
      70: { ppid: 60, args: ['sh', '-c', 'ports allocate web'] },
    };
    expect(await callerPid(view(tree), 70)).toBe(50);
  });

  it('keeps the sh -c of `npm run` (it lives as long as the script)', async () => {
    const tree = {
      50: { ppid: 1, args: ['bash'] },
      60: { ppid: 50, args: ['node', '/usr/lib/node_modules/npm/bin/npm-cli.js', 'run', 'dev'] },
      70: { ppid: 60, args: ['sh', '-c', 'PORT=$(ports allocate web) vite'] },
    };
    expect(await callerPid(view(tree), 70)).toBe(70);
  });

  it('falls back to the start when /proc says nothing', async () => {
    expect(await callerPid(view({}), 42)).toBe(42);
  });
});
