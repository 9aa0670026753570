import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, percentile } from './stats.js';

/**
 * The `ports` CLI's cold start, end to end, as a CI script pays it: `node bin/ports allocate
 * --no-pid --range A-B` (then `ports release PORT`) against a running daemon, each a fresh
 * process timed from spawn to exit, interleaved with `ports --version` (no daemon contact) and
 * an empty ES module (Node's own floor). Then where the time goes:
 *
 * - imports: a fresh process imports the CLI's modules one by one (what `allocate` needs first,
 *   then what it does not), timing each import's marginal cost; medians over the runs;
 * - graph: every module the CLI resolves at start (ESM resolve hooks) and every CommonJS file it
 *   requires, with their sizes;
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
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN_PORTS = join(ROOT, 'bin', 'ports');
const DIST = join(ROOT, 'dist');
const HERE = fileURLToPath(new URL('./', import.meta.url));
const EMPTY_ENTRY = join(HERE, 'empty-entry.js');
const IMPORT_CHILD = join(HERE, 'import-cost-child.js');
const TRACE_REGISTER = join(HERE, 'module-trace-register.js');

interface RunOutcome {
  ms: number;
  stdout: string;
}

function runNode(args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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

const dist = (path: string): string => pathToFileURL(join(DIST, path)).href;

/** What `ports allocate` needs first (in dependency order), then what it loads without needing it. */
async function importSteps(): Promise<Array<{ label: string; specifier: string; role: ImportRole }>> {
  const files = (names: string[], role: ImportRole): Array<{ label: string; specifier: string; role: ImportRole }> =>
    names.filter((name) => existsSync(join(DIST, name))).map((name) => ({ label: `dist/${name}`, specifier: dist(name), role }));
  const commands = (await readdir(join(DIST, 'cli', 'commands')).catch(() => [] as string[]))
    .filter((name) => name.endsWith('.js') && name !== 'allocate.js' && name !== 'release.js')
    .sort();
  return [
    { label: 'node:net', specifier: 'node:net', role: 'allocate' },
    { label: 'commander (package)', specifier: 'commander', role: 'allocate' },
    ...files(['errors.js', 'version.js', 'protocol/framing.js', 'shared/paths.js', 'client/client.js', 'client/locate.js', 'client/socket-transport.js'], 'allocate'),
    { label: 'node:child_process', specifier: 'node:child_process', role: 'autostart only' },
    ...files(['client/autostart.js'], 'autostart only'),
    ...files(
      [
        'client/connect.js',
        'cli/output.js',
        'system/proc-stat.js',
        'cli/caller-pid.js',
        'cli/flags.js',
        'cli/duration.js',
        'cli/ci-owner.js',
        'shared/port-range.js',
        'cli/commands/allocate.js',
        'cli/commands/release.js',
      ],
      'allocate',
    ),
    ...files(
      commands.map((name) => `cli/commands/${name}`),
      'other commands',
    ),
    ...files(['cli/program.js', 'cli/main.js'], 'allocate'),
  ];
}

async function measureImports(runs: number, env: NodeJS.ProcessEnv): Promise<ColdStartResult['imports']> {
  const steps = await importSteps();
  const perStep = new Map<string, number[]>();
  const boots: number[] = [];
  const payload = JSON.stringify(steps.map(({ label, specifier }) => ({ label, specifier })));
  for (let i = 0; i < runs; i++) {
    const { stdout } = await runNode([IMPORT_CHILD, payload], env);
    const result = JSON.parse(stdout) as { bootMs: number; steps: Array<{ label: string; ms: number }> };
    boots.push(result.bootMs);
    for (const step of result.steps) perStep.set(step.label, [...(perStep.get(step.label) ?? []), step.ms]);
  }
  const out = steps.map((step) => ({ label: step.label, role: step.role, ms: median(perStep.get(step.label) ?? []) }));
  return { bootMs: median(boots), totalMs: out.reduce((sum, step) => sum + step.ms, 0), steps: out };
}

function groupOf(file: string): string {
  const rel = relative(ROOT, file);
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel);
  if (pkg) return `node_modules/${pkg[1]}`;
  if (rel.startsWith('dist/cli/commands/')) return 'dist/cli/commands';
  const dir = /^(dist\/[^/]+)\//.exec(rel);
  if (dir) return dir[1] as string;
  if (rel.startsWith('dist/')) return 'dist';
  return rel.startsWith('..') ? 'outside the repository' : rel;
}

async function traceGraph(dir: string, env: NodeJS.ProcessEnv, range: { start: number; end: number }): Promise<ModuleGraph | null> {
  const traceFile = join(dir, 'trace.tsv');
  const { stdout } = await runNode(['--import', pathToFileURL(TRACE_REGISTER).href, BIN_PORTS, 'allocate', '--no-pid', '--range', `${range.start}-${range.end}`], {
    ...env,
    PKB_TRACE_FILE: traceFile,
  });
  await runNode([BIN_PORTS, 'release', stdout.trim()], env);
  const text = await readFile(traceFile, 'utf8').catch(() => null);
  if (text === null) return null;
  const esm = new Set<string>();
  const cjs = new Set<string>();
  const builtins = new Set<string>();
  for (const line of text.split('\n')) {
    const [kind, url] = line.split('\t');
    if (!url) continue;
    if (url.startsWith('node:')) builtins.add(url);
    else if (kind === 'esm' && url.startsWith('file:')) {
      const file = fileURLToPath(url);
      // The trace's own hooks are not part of the CLI.
      if (!file.startsWith(HERE)) esm.add(file);
    } else if (kind === 'cjs' && !url.startsWith(HERE)) cjs.add(url);
  }
  const groups = new Map<string, { files: number; bytes: number }>();
  for (const file of new Set([...esm, ...cjs])) {
    const group = groupOf(file);
    const size = await stat(file).then((s) => s.size, () => 0);
    const entry = groups.get(group) ?? { files: 0, bytes: 0 };
    entry.files++;
    entry.bytes += size;
    groups.set(group, entry);
  }
  return {
    esm: esm.size,
    cjs: [...cjs].filter((file) => !esm.has(file)).length,
    builtins: builtins.size,
    groups: [...groups].map(([group, value]) => ({ group, ...value })).sort((a, b) => b.bytes - a.bytes),
  };
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
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
    const script = url === '' ? `(${byId.get(id)?.callFrame.functionName ?? '?'})` : url.startsWith('file:') ? relative(ROOT, fileURLToPath(url)) : url;
    scripts.set(script, (scripts.get(script) ?? 0) + ms);
  });
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    categories: [...categories].map(([category, ms]) => ({ category, ms })).sort((a, b) => b.ms - a.ms),
    topScripts: [...scripts].map(([script, ms]) => ({ script, ms })).sort((a, b) => b.ms - a.ms).slice(0, 8),
  };
}

async function profileAllocate(dir: string, env: NodeJS.ProcessEnv, range: { start: number; end: number }): Promise<ProfileSummary | null> {
  const profileDir = join(dir, 'cpu-prof');
  const { stdout } = await runNode(['--cpu-prof', '--cpu-prof-dir', profileDir, BIN_PORTS, 'allocate', '--no-pid', '--range', `${range.start}-${range.end}`], env);
  await runNode([BIN_PORTS, 'release', stdout.trim()], env);
  const [file] = await readdir(profileDir).catch(() => [] as string[]);
  if (file === undefined) return null;
  return summarizeProfile(JSON.parse(await readFile(join(profileDir, file), 'utf8')) as CpuProfile);
}

export async function measureCliColdStart(options: {
  runs: number;
  range: { start: number; end: number };
  /** The bench daemon's client env: its socket, PORTS_NO_AUTOSTART=1. */
  env: NodeJS.ProcessEnv;
  baseDir?: string;
  progress(text: string): void;
}): Promise<ColdStartResult> {
  const { env, range, runs } = options;
  const dir = await mkdtemp(join(options.baseDir ?? tmpdir(), 'pkb-cli-'));
  try {
    const samples = { floor: [] as number[], version: [] as number[], allocate: [] as number[], release: [] as number[], loadOnly: [] as number[] };
    const loadMain = JSON.stringify([{ label: 'main', specifier: dist('cli/main.js') }]);
    // One untimed round first: the page cache holds every file afterwards, as on a CI runner's second step.
    const warm = await runNode([BIN_PORTS, 'allocate', '--no-pid', '--range', `${range.start}-${range.end}`], env);
    await runNode([BIN_PORTS, 'release', warm.stdout.trim()], env);
    for (let i = 0; i < runs; i++) {
      samples.floor.push((await runNode([EMPTY_ENTRY], env)).ms);
      samples.version.push((await runNode([BIN_PORTS, '--version'], env)).ms);
      samples.loadOnly.push((await runNode([IMPORT_CHILD, loadMain], env)).ms);
      const allocated = await runNode([BIN_PORTS, 'allocate', '--no-pid', '--range', `${range.start}-${range.end}`], env);
      samples.allocate.push(allocated.ms);
      const port = allocated.stdout.trim();
      if (!/^\d+$/.test(port)) throw new Error(`ports allocate printed "${port}", not a port number`);
      samples.release.push((await runNode([BIN_PORTS, 'release', port], env)).ms);
    }
    options.progress(`cli: where the start-up time goes (imports one by one ×${runs}, module graph, one --cpu-prof run)…`);
    const imports = await measureImports(runs, env);
    const graph = await traceGraph(dir, env, range).catch(() => null);
    const profile = await profileAllocate(dir, env, range).catch(() => null);
    return {
      runs,
      range,
      floor: summarizeWall(samples.floor),
      version: summarizeWall(samples.version),
      allocate: summarizeWall(samples.allocate),
      release: summarizeWall(samples.release),
      loadOnly: summarizeWall(samples.loadOnly),
      imports,
      graph,
      profile,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
