import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, ROOT } from './helpers/daemon.js';
import { runCli } from './helpers/run-cli.js';
import { useTempDir } from './helpers/temp-dir.js';

/** `ports help TOPIC` and the man page, from the built bin/ports and dist/ (npm run build). */
const run = (...args: string[]) => runCli(args, cliEnv(useTempDir(), { PORTS_NO_AUTOSTART: '1' }));
const commandHeadings = (): string[] =>
  readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('## `ports '))
    .map((line) => line.slice(4, -1));

describe('ports help TOPIC (built bin/ports)', () => {
  it('lists the topics and the command pages', async () => {
    const result = await run('help', 'topics');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Help topics \(ports help TOPIC\):\n {2}output +Output rules\n {2}exit-codes +Exit codes\n/);
    for (const name of ['autostart', 'socket', 'environment', 'config', 'health', 'protocol']) expect(result.stdout).toMatch(new RegExp(`^ {2}${name} `, 'm'));
    expect(result.stdout).toMatch(/^ {2}allocate +ports allocate \[SERVICE\]$/m);
    expect(result.stdout).toMatch(/^ {2}daemon stop +ports daemon stop$/m);
  });

  it('prints a topic from docs/ for a terminal or a pipe: no markup, no colour, wrapped', async () => {
    const result = await run('help', 'exit-codes');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Exit codes\n\n {4}0\n {8}meaning: ok/);
    expect(result.stdout).toContain('error codes: E_NO_FREE_PORT');
    expect(result.stdout).not.toMatch(/\u001b|\*\*|\|---|`E_NO_FREE_PORT`/);
    // Only code, printed as written, is wider than 80 columns.
    const docs = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
    for (const line of result.stdout.split('\n').filter((text) => text.length > 80)) expect(docs).toContain(line.trim());
    expect((await run('help', 'health')).stdout).toMatch(/^The HealthMonitor\n/);
    expect((await run('help', 'config')).stdout).toMatch(/^Configuration\n/);
  });

  it("shows a command's --help, then where its whole page is; --full shows the page", async () => {
    const help = await run('help', 'allocate');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: ports allocate \[options\] \[service\]\n/);
    expect(help.stdout).toMatch(/\n\nThe whole page: ports help allocate --full \(other topics: ports help topics\)\n$/);
    const page = await run('help', 'allocate', '--full');
    expect(page).toMatchObject({ code: 0, stderr: '' });
    expect(page.stdout).toMatch(/^ports allocate \[SERVICE\]\n\n {4}Hand out a port and print it\.\n/);
    expect(page.stdout).toMatch(/^ {2}The default owner pid$/m);
    expect(page.stdout).not.toContain('ports release [PORT...]');
    expect((await run('help', 'daemon', 'stop', '--full')).stdout).toMatch(/^ports daemon stop\n/);
    expect((await run('help', 'daemon', 'start', '--full')).stdout).toMatch(/^ports daemon \[start\]\n/);
  });

  it('prints all of docs/cli.md with ports help --full', async () => {
    const result = await run('help', '--full');
    expect(result.code).toBe(0);
    for (const heading of commandHeadings()) expect(result.stdout).toContain(`\n${heading}\n`);
  });

  it.each([
    [['help', 'exit-code'], "ports: unknown command or help topic 'exit-code'\n(Did you mean exit-codes?)\n(run ports --help for usage)\n"],
    [['help', 'topcs'], "ports: unknown command or help topic 'topcs'\n(Did you mean topics?)\n(run ports --help for usage)\n"],
    [['help', 'exit-codes', 'extra'], "ports: unknown command or help topic 'exit-codes extra'\n(Did you mean exit-codes?)\n(run ports --help for usage)\n"],
    [['help', 'frobnicate'], "ports: unknown command or help topic 'frobnicate'\n(run ports --help for usage)\n"],
  ])('ports %j: exit 2 and did-you-mean', async (args, stderr) => {
    expect(await run(...args)).toEqual({ code: 2, stdout: '', stderr });
  });

  it('names the manual at the end of ports --help', async () => {
    expect((await run('--help')).stdout).toMatch(/\nMore: ports help topics \(the manual by topic\), ports help COMMAND --full \(a command's whole page\), man ports\n$/);
  });
});

describe('the man page (npm run build → dist/man/ports.1)', () => {
  const page = (): string => readFileSync(join(ROOT, 'dist', 'man', 'ports.1'), 'utf8');

  it('is where package.json says, with NAME, SYNOPSIS, DESCRIPTION and every command section', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { man: string };
    expect(pkg.man).toBe('./dist/man/ports.1');
    const roff = page();
    for (const section of ['.SH NAME', '.SH SYNOPSIS', '.SH DESCRIPTION', '.SH COMMANDS', '.SH "EXIT CODES"', '.SH "ENVIRONMENT"', '.SH "SEE ALSO"']) expect(roff).toContain(`\n${section}\n`);
    for (const heading of commandHeadings()) expect(roff).toContain(`\n.SS "${heading.replace(/-/g, '\\-')}"\n`);
  });

  it('holds no line roff would take for a request but its own macros', () => {
    const requests = page()
      .split('\n')
      .filter((line) => /^[.']/.test(line));
    expect(requests.filter((line) => !/^\.(\\"|TH|SH|SS|PP|TP|IP|RS|RE|nf|fi|br|sp|B|ad|nh)( |$)/.test(line))).toEqual([]);
  });

  it.skipIf(spawnSync('groff', ['--version']).status !== 0)('renders with groff -man -ww without a warning', () => {
    const result = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', join(ROOT, 'dist', 'man', 'ports.1')], { encoding: 'utf8' });
    expect(result).toMatchObject({ status: 0, stderr: '' });
  });

  it.skipIf(spawnSync('man', ['--version']).status !== 0)('reads with man -l at any width', () => {
    for (const width of ['60', '80', '120']) {
      const result = spawnSync('man', ['-l', join(ROOT, 'dist', 'man', 'ports.1')], { encoding: 'utf8', env: { ...process.env, MANWIDTH: width, MANPAGER: 'cat', PAGER: 'cat' } });
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^NAME\n {7}ports - One authority for TCP ports/m);
    }
  });
});
