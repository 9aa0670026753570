import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CpuProfile } from './cpu-profile.js';
import { median, percentile } from './stats.js';

/**
 * The `ports` CLI's cold start, end to end, as a CI script pays it: `node bin/ports allocate
 * --no-pid --range A-B` (then `ports release PORT`) against a running daemon, each a fresh
 * process timed from spawn to exit, interleaved with `ports --version` (no daemon contact) and
 * an empty ES module (Node's own floor). Then where the time goes:
 *
 * - graph: every module `ports allocate` resolves (ESM resolve hooks, including the command
 *   module it imports lazily) and every CommonJS file it requires, with their sizes;
 * - imports: a fresh process imports exactly those modules one by one, dependencies first (a
 *   post-order walk of that graph; a package as one step), timing each import's marginal cost
 *   (resolve, read, compile, evaluate); medians over the runs;
 * - profile: one `node --cpu-prof` run of `ports allocate`, its samples split into module
 *   loading, the CLI's own run, idle (waiting for the daemon) and the rest.
 */
export interface WallSummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

/** 'autostart only': loaded by `ports allocate` but used only when no daemon answers. */
export type ImportRole = 'allocate' | 'autostart only' | 'other commands';

export interface ImportStep {
  label: string;
  role: ImportRole;
  /** Median marginal import cost over the runs. */
  ms: number;
}

export interface ModuleGraph {
  esm: number;
  cjs: number;
  builtins: number;
  /** Files by where they live: `dist/cli/commands`, `node_modules/commander`… */
  groups: Array<{ group: string; files: number; bytes: number }>;
}

export interface ProfileSummary {
  totalMs: number;
  categories: Array<{ category: string; ms: number }>;
  /** Self time by script, heaviest first (top 8). */
  topScripts: Array<{ script: string; ms: number }>;
}

export interface ColdStartResult {
  /** The checkout whose bin/ports and dist/ were measured. */
  root: string;
  runs: number;
  range: { start: number; end: number };
  floor: WallSummary;
  version: WallSummary;
  allocate: WallSummary;
  release: WallSummary;
  /** A fresh process that only imports dist/cli/main.js (the whole graph bin/ports loads) and exits. */
  loadOnly: WallSummary;
  imports: { bootMs: number; totalMs: number; steps: ImportStep[] } | null;
  graph: ModuleGraph | null;
  profile: ProfileSummary | null;
}

// Compiled to dist-bench/bench/: the repository root is two levels up.
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('./', import.meta.url));
const EMPTY_ENTRY = join(HERE, 'empty-entry.js');
const IMPORT_CHILD = join(HERE, 'import-cost-child.js');
const TRACE_REGISTER = join(HERE, 'module-trace-register.js');

interface RunOutcome {
  ms: number;
  stdout: string;
}

function runNode(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Let stdout drain ('close' follows 'exit').
      child.once('close', () => {
        if (code === 0) resolve({ ms, stdout });
        else reject(new Error(`node ${args.join(' ')} exited with ${code ?? signal}: ${stderr.trim()}`));
      });
    });
  });
}

function summarizeWall(samples: readonly number[]): WallSummary {
  const sorted = Float64Array.from(samples).sort();
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    meanMs: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

interface Step {
  label: string;
  specifier: string;
  role: ImportRole;
}

/** Per root (null: no trace), interleaved run by run. */
async function measureImports(
  stepsPerRoot: ReadonlyArray<readonly Step[] | null>,
  runs: number,
  env: NodeJS.ProcessEnv,
  roots: readonly string[],
): Promise<Array<ColdStartResult['imports']>> {
  const state = stepsPerRoot.map((steps) => ({ steps, perStep: new Map<string, number[]>(), boots: [] as number[] }));
  for (let i = 0; i < runs; i++) {
    for (const [index, { steps, perStep, boots }] of state.entries()) {
      if (steps === null) continue;
      const payload = JSON.stringify(steps.map(({ label, specifier }) => ({ label, specifier })));
      const { stdout } = await runNode([IMPORT_CHILD, payload], env, roots[index] ?? REPO_ROOT);
      const result = JSON.parse(stdout) as { bootMs: number; steps: Array<{ label: string; ms: number }> };
      boots.push(result.bootMs);
      for (const step of result.steps) perStep.set(step.label, [...(perStep.get(step.label) ?? []), step.ms]);
    }
  }
  return state.map(({ steps, perStep, boots }) => {
    if (steps === null) return null;
    const out = steps.map((step) => ({ label: step.label, role: step.role, ms: median(perStep.get(step.label) ?? []) }));
    return { bootMs: median(boots), totalMs: out.reduce((sum, step) => sum + step.ms, 0), steps: out };
  });
}

/** The package a file belongs to (also through a symlinked node_modules), or null. */
function packageOf(file: string): string | null {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  return match?.[1] ?? null;
}

function groupOf(file: string, root: string): string {
  const rel = relative(root, file);
  const pkg = packageOf(file);
  if (pkg !== null) return `node_modules/${pkg}`;
  if (rel.startsWith('dist/cli/commands/')) return 'dist/cli/commands';
  const dir = /^(dist\/[^/]+)\//.exec(rel);
  if (dir) return dir[1] as string;
  if (rel.startsWith('dist/')) return 'dist';
  return rel.startsWith('..') ? 'outside the repository' : rel;
}

interface Trace {
  graph: ModuleGraph;
  /** What to import, dependencies first, to rebuild the graph one module at a time. */
  steps: Step[];
}

async function traceGraph(dir: string, env: NodeJS.ProcessEnv, root: string, range: { start: number; end: number }): Promise<Trace | null> {
  const traceFile = join(dir, `trace-${createHash('sha1').update(root).digest('hex').slice(0, 8)}.tsv`);
  const entry = pathToFileURL(join(root, 'bin', 'ports')).href;
  const { stdout } = await runNode(['--import', pathToFileURL(TRACE_REGISTER).href, join(root, 'bin', 'ports'), 'allocate', '--no-pid', '--range', `${range.start}-${range.end}`], {
    ...env,
    PKB_TRACE_FILE: traceFile,
  }, root);
  await runNode([join(root, 'bin', 'ports'), 'release', stdout.trim()], env, root);
  const text = await readFile(traceFile, 'utf8').catch(() => null);
  if (text === null) return null;
  const esm = new Set<string>();
  const cjs = new Set<string>();
  const builtins = new Set<string>();
  const children = new Map<string, string[]>();
  const parents = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const [kind, url, parent] = line.split('\t');
    if (!url) continue;
    if (kind === 'esm' && parent) {
      const list = children.get(parent) ?? [];
      if (!list.includes(url)) list.push(url);
      children.set(parent, list);
      parents.set(url, (parents.get(url) ?? new Set()).add(parent));
    }
    if (url.startsWith('node:')) builtins.add(url);
    else if (kind === 'esm' && url.startsWith('file:')) {
      const file = fileURLToPath(url);
      // The trace's own hooks are not part of the CLI.
      if (!file.startsWith(HERE)) esm.add(file);
    } else if (kind === 'cjs' && !url.startsWith(HERE)) cjs.add(url);
  }
  const groups = new Map<string, { files: number; bytes: number }>();
  for (const file of new Set([...esm, ...cjs])) {
    const group = groupOf(file, root);
    const size = await stat(file).then((s) => s.size, () => 0);
    const entry = groups.get(group) ?? { files: 0, bytes: 0 };
    entry.files++;
    entry.bytes += size;
    groups.set(group, entry);
  }

  // Post-order from bin/ports: every module after what it imports. bin/ports itself runs the CLI, so it is left out.
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (url: string): void => {
    if (seen.has(url)) return;
    seen.add(url);
    for (const child of children.get(url) ?? []) visit(child);
    order.push(url);
  };
  visit(entry);
  const fileOf = (url: string): string | null => (url.startsWith('file:') ? fileURLToPath(url) : null);
  // A module only autostart needs: autostart.js, and whatever only such modules import.
  const autostartOnly = new Set<string>();
  for (const url of [...order].reverse()) {
    const from = [...(parents.get(url) ?? [])];
    if (url.endsWith('/client/autostart.js') || (from.length > 0 && from.every((p) => autostartOnly.has(p)))) autostartOnly.add(url);
  }
  const steps: Step[] = [];
  const packagesDone = new Set<string>();
  for (const url of order) {
    if (url === entry) continue;
    const file = fileOf(url);
    const role: ImportRole = autostartOnly.has(url)
      ? 'autostart only'
      : /\/cli\/commands\/(?!allocate\.js$)[^/]+$/.test(url)
        ? 'other commands'
        : 'allocate';
    if (file === null) {
      steps.push({ label: url, specifier: url, role });
      continue;
    }
    const pkg = packageOf(file);
    if (pkg !== null) {
      // One step per package, at its entry as the CLI imports it (the first URL imported from outside the package).
      const fromOutside = [...(parents.get(url) ?? [])].some((p) => (fileOf(p) === null ? true : packageOf(fileOf(p) as string) !== pkg));
      if (packagesDone.has(pkg) || !fromOutside) continue;
      packagesDone.add(pkg);
      steps.push({ label: `${pkg} (package)`, specifier: url, role });
      continue;
    }
    steps.push({ label: relative(root, file), specifier: url, role });
  }
  return {
    graph: {
      esm: esm.size,
      cjs: [...cjs].filter((file) => !esm.has(file)).length,
      builtins: builtins.size,
      groups: [...groups].map(([group, value]) => ({ group, ...value })).sort((a, b) => b.bytes - a.bytes),
    },
    steps,
  };
}

export function summarizeProfile(profile: CpuProfile, root: string): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const categoryOf = (id: number): string => {
    const leaf = byId.get(id);
    const name = leaf?.callFrame.functionName ?? '';
    if (name === '(idle)') return 'idle (waiting on I/O: the daemon, exit)';
    if (name === '(garbage collector)') return 'garbage collection';
    let loader = false;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined) break;
      if (frame.functionName === 'runCli') return 'the CLI itself (runCli: parse flags, connect, request, print)';
      if (frame.url.startsWith('node:internal/modules/')) loader = true;
    }
    if (loader) return 'module loading (resolve, read, compile, evaluate)';
    if (name === '(program)') return 'native, unattributed ((program))';
    return 'other (event-loop callbacks, socket, bootstrap)';
  };
  const categories = new Map<string, number>();
  const scripts = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const category = categoryOf(id);
    categories.set(category, (categories.get(category) ?? 0) + ms);
    const url = byId.get(id)?.callFrame.url ?? '';
    const script = url === '' ? `(${byId.get(id)?.callFrame.functionName ?? '?'})` : url.startsWith('file:') ? relative(root, fileURLToPath(url)) : url;
    scripts.set(script, (scripts.get(script) ?? 0) + ms);
  });
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    categories: [...categories].map(([category, ms]) => ({ category, ms })).sort((a, b) => b.ms - a.ms),
    topScripts: [...scripts].map(([script, ms]) => ({ script, ms })).sort((a, b) => b.ms - a.ms).slice(0, 8),
  };
}

async function profileAllocate(workDir: string, env: NodeJS.ProcessEnv, root: string, range: { start: number; end: number }): Promise<ProfileSummary | null> {
  const profileDir = join(workDir, 'cpu-prof');
  const bin = join(root, 'bin', 'ports');
  const { stdout } = await runNode(['--cpu-prof', '--cpu-prof-dir', profileDir, bin, 'allocate', '--no-pid', '--range', `${range.start}-${range.end}`], env, root);
  await runNode([bin, 'release', stdout.trim()], env, root);
  const [file] = await readdir(profileDir).catch(() => [] as string[]);
  if (file === undefined) return null;
  return summarizeProfile(JSON.parse(await readFile(join(profileDir, file), 'utf8')) as CpuProfile, root);
}

export async function measureCliColdStart(options: {
  runs: number;
  range: { start: number; end: number };
  /** The bench daemon's client env: its socket, PORTS_NO_AUTOSTART=1. */
  env: NodeJS.ProcessEnv;
  baseDir?: string;
  /**
   * Built checkouts to measure (their bin/ports and dist/), this one by default. With more than
   * one, their runs are interleaved round by round, so a change in the host's load hits all alike.
   */
  roots?: string[];
  progress(text: string): void;
}): Promise<ColdStartResult[]> {
  const { env, range, runs } = options;
  const roots = options.roots ?? [REPO_ROOT];
  for (const root of roots) if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error(`${root} has no dist/cli/main.js: build it first`);
  const dir = await mkdtemp(join(options.baseDir ?? tmpdir(), 'pkb-cli-'));
  try {
    const floor: number[] = [];
    const perRoot = roots.map((root) => ({
      root,
      bin: join(root, 'bin', 'ports'),
      run: (args: readonly string[]): Promise<RunOutcome> => runNode(args, env, root),
      loadMain: JSON.stringify([{ label: 'main', specifier: pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href }]),
      samples: { version: [] as number[], allocate: [] as number[], release: [] as number[], loadOnly: [] as number[] },
    }));
    const allocateArgs = ['allocate', '--no-pid', '--range', `${range.start}-${range.end}`];
    // One untimed round first: the page cache holds every file afterwards, as on a CI runner's second step.
    for (const { run, bin } of perRoot) {
      const warm = await run([bin, ...allocateArgs]);
      await run([bin, 'release', warm.stdout.trim()]);
    }
    for (let i = 0; i < runs; i++) {
      floor.push((await runNode([EMPTY_ENTRY], env, REPO_ROOT)).ms);
      for (const { run, bin, loadMain, samples } of perRoot) {
        samples.version.push((await run([bin, '--version'])).ms);
        samples.loadOnly.push((await run([IMPORT_CHILD, loadMain])).ms);
        const allocated = await run([bin, ...allocateArgs]);
        samples.allocate.push(allocated.ms);
        const port = allocated.stdout.trim();
        if (!/^\d+$/.test(port)) throw new Error(`ports allocate printed "${port}", not a port number`);
        samples.release.push((await run([bin, 'release', port])).ms);
      }
    }
    options.progress(`cli: where the start-up time goes (module graph, imports one by one ×${runs}, one --cpu-prof run)…`);
    const traces = [];
    for (const { root } of perRoot) traces.push(await traceGraph(dir, env, root, range).catch(() => null));
    const imports = await measureImports(traces.map((trace) => trace?.steps ?? null), runs, env, roots);
    const out: ColdStartResult[] = [];
    for (const [index, { root, samples }] of perRoot.entries()) {
      const profile = await profileAllocate(join(dir, String(index)), env, root, range).catch(() => null);
      out.push({
        root,
        runs,
        range,
        floor: summarizeWall(floor),
        version: summarizeWall(samples.version),
        allocate: summarizeWall(samples.allocate),
        release: summarizeWall(samples.release),
        loadOnly: summarizeWall(samples.loadOnly),
        imports: imports[index] ?? null,
        graph: traces[index]?.graph ?? null,
        profile,
      });
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
