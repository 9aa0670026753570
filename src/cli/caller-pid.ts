/**
 * The default owner of `ports allocate` from a shell: the process that called the CLI, not the
 * short-lived CLI itself, and not a package-runner shim (`npx`, `npm exec`, `pnpm dlx`,
 * `yarn dlx`, `bunx`) that exits right after — nor the `sh -c` such a shim runs the bin in.
 * `npm run` is not a shim: it lives as long as its script.
 */
import { basename } from 'node:path';
import { readCmdline, readProcStat } from '../system/proc-stat.js';

export interface ProcessView {
  cmdline(pid: number): Promise<string[] | null>;
  parent(pid: number): Promise<{ ppid: number; comm: string } | null>;
}

export const procView: ProcessView = {
  cmdline: readCmdline,
  async parent(pid) {
    const stat = await readProcStat(pid);
    return stat ? { ppid: stat.ppid, comm: stat.comm } : null;
  },
};

const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh']);

/**
 * npm 11 rewrites its process title, so /proc/<pid>/cmdline of `npx ports …` reads as one
 * string "npm exec ports …": split such a single argument on spaces.
 */
function normalizeArgs(args: readonly string[]): readonly string[] {
  const nonEmpty = args.filter((arg) => arg.length > 0);
  if (nonEmpty.length === 1 && nonEmpty[0]?.includes(' ')) return nonEmpty[0].split(/\s+/);
  return nonEmpty;
}

/** Is this command line a package runner that runs one bin and exits? Pure. */
export function isRunnerShim(raw: readonly string[]): boolean {
  const args = normalizeArgs(raw);
  const names = args.slice(0, 3).map((arg) => basename(arg));
  const [first, second] = names;
  if (first === 'npx' || first === 'bunx') return true;
  if (first === 'npm') return args[1] === 'exec' || args[1] === 'x';
  if (first === 'node' || first?.startsWith('node')) {
    if (second === 'npx-cli.js' || second === 'npx') return true;
    if (second === 'npm-cli.js' || second === 'npm') return args[2] === 'exec' || args[2] === 'x';
    if (second === 'pnpm.cjs' || second === 'pnpm.js' || second === 'pnpm') return args[2] === 'dlx' || args[2] === 'exec';
    if (second === 'yarn.js' || second === 'yarn.cjs' || second === 'yarn') return args[2] === 'dlx';
  }
  if (first === 'pnpm') return args[1] === 'dlx' || args[1] === 'exec';
  if (first === 'yarn') return args[1] === 'dlx';
  return false;
}

function isShellDashC(raw: readonly string[]): boolean {
  const args = normalizeArgs(raw);
  return SHELLS.has(basename(args[0] ?? '')) && args[1] === '-c';
}

export async function callerPid(view: ProcessView = procView, start: number = process.ppid): Promise<number> {
  let pid = start;
  for (let depth = 0; depth < 6 && pid > 1; depth++) {
    const args = await view.cmdline(pid);
    const info = await view.parent(pid);
    if (!args || !info) return pid;
    if (isRunnerShim(args)) {
      pid = info.ppid;
      continue;
    }
    if (isShellDashC(args)) {
      // `sh -c "ports …"` started by a shim is part of the shim.
      const parentArgs = await view.cmdline(info.ppid);
      if (parentArgs && isRunnerShim(parentArgs)) {
        pid = info.ppid;
        continue;
      }
    }
    return pid;
  }
  return pid > 1 ? pid : start;
}
