import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Reading `node --cpu-prof` output (the V8 .cpuprofile JSON): where a process spent its time.
 * Used for the bench daemon under the pairs load (`--cpu-prof DIR`) and the CLI's cold start.
 */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber?: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionTime {
  name: string;
  /** Script (relative to the repository when inside it) and 1-based line. */
  where: string;
  selfMs: number;
}

export interface ProfileTotals {
  file: string;
  totalMs: number;
  idleMs: number;
  gcMs: number;
  programMs: number;
  /** Self time by function, heaviest first (idle left out). */
  top: FunctionTime[];
  /** Self time by script (file or node: module), heaviest first (idle left out). */
  scripts: Array<{ script: string; selfMs: number }>;
}

export function scriptName(url: string, root: string): string {
  if (url === '') return '(native)';
  return url.startsWith('file:') ? relative(root, fileURLToPath(url)) : url;
}

/** Self time by function and script; with `untilUs` (monotonic clock, as process.hrtime), only the samples up to then. */
export function summarizeFunctions(profile: CpuProfile, root: string, file: string, n = 15, untilUs = Number.POSITIVE_INFINITY): ProfileTotals {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, FunctionTime>();
  const scripts = new Map<string, number>();
  let idleMs = 0;
  let gcMs = 0;
  let programMs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    if (at > untilUs) return;
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    if (frame.functionName === '(garbage collector)') gcMs += ms;
    else if (frame.functionName === '(program)') programMs += ms;
    const script = scriptName(frame.url, root);
    const where = frame.url === '' ? script : `${script}:${(frame.lineNumber ?? 0) + 1}`;
    const key = `${frame.functionName}@${where}`;
    const entry = functions.get(key) ?? { name: frame.functionName || '(anonymous)', where, selfMs: 0 };
    entry.selfMs += ms;
    functions.set(key, entry);
    scripts.set(script, (scripts.get(script) ?? 0) + ms);
  });
  return {
    file,
    totalMs: (Math.min(profile.endTime, untilUs) - profile.startTime) / 1000,
    idleMs,
    gcMs,
    programMs,
    top: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, n),
    scripts: [...scripts].map(([script, selfMs]) => ({ script, selfMs })).sort((a, b) => b.selfMs - a.selfMs).slice(0, n),
  };
}

/**
 * Share of [startUs, endUs] (monotonic clock, as process.hrtime) in which the profiled process's
 * main thread was not idle, in %; null when the profile does not cover the window. V8 stamps
 * samples with the same CLOCK_MONOTONIC that process.hrtime reads.
 */
export function mainThreadBusyPercent(profile: CpuProfile, startUs: number, endUs: number): number | null {
  if (profile.startTime > startUs || profile.endTime < endUs) return null;
  const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  let at = profile.startTime;
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < startUs || at > endUs) return;
    if (!idle.has(id)) busy += delta;
  });
  return (busy / (endUs - startUs)) * 100;
}

/** Every .cpuprofile in `dir`, as parsed, by file. */
export async function readRawProfiles(dir: string): Promise<Array<{ file: string; profile: CpuProfile }>> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.cpuprofile')).sort();
  const out: Array<{ file: string; profile: CpuProfile }> = [];
  for (const name of files) out.push({ file: join(dir, name), profile: JSON.parse(await readFile(join(dir, name), 'utf8')) as CpuProfile });
  return out;
}
