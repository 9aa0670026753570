import { describe, expect, it } from 'vitest';
import { planInjection } from './inject.js';

const PORT = 3001;
const plan = (argv: string[], scripts: Record<string, string> = {}) => planInjection(argv, { scripts, port: PORT });
/** The arguments added to argv, or the note when nothing was. */
const added = (argv: string[], scripts: Record<string, string> = {}) => {
  const result = plan(argv, scripts);
  return result.ok ? result.argv.slice(argv.length) : { note: result.note };
};

describe('planInjection: a dev server started directly', () => {
  it.each([
    [['vite'], ['--port', '3001', '--strictPort', '--host', '127.0.0.1']],
    [['vite', 'dev', '--open'], ['--port', '3001', '--strictPort', '--host', '127.0.0.1']],
    [['vite', 'preview'], ['--port', '3001', '--strictPort', '--host', '127.0.0.1']],
    [['vite', './app'], ['--port', '3001', '--strictPort', '--host', '127.0.0.1']],
    [['node_modules/.bin/vite'], ['--port', '3001', '--strictPort', '--host', '127.0.0.1']],
    [['/home/me/shop/node_modules/.bin/vite', 'serve'], ['--port', '3001', '--strictPort', '--host', '127.0.0.1']],
    [['/home/me@work/shop/node_modules/.bin/vite'], ['--port', '3001', '--strictPort', '--host', '127.0.0.1']],
    [['astro', 'dev'], ['--port', '3001', '--host', '127.0.0.1']],
    [['astro', 'preview'], ['--port', '3001', '--host', '127.0.0.1']],
    [['ng', 'serve'], ['--port', '3001', '--host', '127.0.0.1']],
    [['ng', 's', '--open'], ['--port', '3001', '--host', '127.0.0.1']],
    [['react-router', 'dev'], ['--port', '3001', '--strictPort', '--host', '127.0.0.1']],
    [['remix', 'vite:dev'], ['--port', '3001', '--strictPort', '--host', '127.0.0.1']],
    [['storybook', 'dev'], ['--port', '3001', '--host', '127.0.0.1']],
    [['start-storybook'], ['--port', '3001', '--host', '127.0.0.1']],
    [['vitepress'], ['--port', '3001', '--strictPort']],
    [['vitepress', 'dev', 'docs'], ['--port', '3001', '--strictPort']],
    [['vitepress', 'preview', 'docs'], ['--port', '3001']],
    [['webpack', 'serve'], ['--port', '3001', '--host', '127.0.0.1']],
    [['webpack-dev-server'], ['--port', '3001', '--host', '127.0.0.1']],
    [['expo', 'start'], ['--port', '3001']],
    [['docusaurus', 'start'], ['--port', '3001', '--host', '127.0.0.1']],
  ])('%j gets %j', (argv, flags) => {
    expect(added(argv)).toEqual(flags);
  });

  it.each([
    [['vite', 'build']],
    [['vite', '--mode', 'production', 'build']],
    [['astro', 'build']],
    [['astro', 'check']],
    [['ng', 'build']],
    [['storybook', 'build']],
    [['vitepress', 'build']],
    [['webpack', '--watch']],
    [['expo', 'export']],
    [['next', 'dev']],
    [['node', 'server.js']],
    [['sh', '-c', 'vite']],
  ])('leaves %j alone, without a word', (argv) => {
    expect(plan(argv)).toEqual({ ok: false, note: null });
  });

  it('comes through npx, bunx, npm exec --, pnpm exec, yarn and bun x', () => {
    const flags = ['--port', '3001', '--strictPort', '--host', '127.0.0.1'];
    expect(added(['npx', 'vite'])).toEqual(flags);
    expect(added(['npx', '--yes', 'vite@5', '--open'])).toEqual(flags);
    expect(added(['npx', '@storybook/cli@8', 'dev'])).toEqual({ note: null });
    expect(added(['npx', '--', 'vite'])).toEqual(flags);
    expect(added(['bunx', 'vite'])).toEqual(flags);
    expect(added(['npm', 'exec', '--', 'vite'])).toEqual(flags);
    expect(added(['pnpm', 'exec', 'vite'])).toEqual(flags);
    expect(added(['yarn', 'vite'])).toEqual(flags);
    expect(added(['bun', 'x', 'vite'])).toEqual(flags);
    expect(added(['bun', 'run', 'vite'])).toEqual(flags);
  });

  it('does not follow npx or npm exec forms whose parsing it cannot be sure of', () => {
    expect(plan(['npx', '-p', 'vite', 'vite'])).toEqual({ ok: false, note: null });
    expect(plan(['npm', 'exec', 'vite'])).toEqual({ ok: false, note: null });
  });

  it('adds nothing when the user chose the port, and says so unless {port} shows it plainly', () => {
    expect(added(['vite', '--port', '5000'])).toEqual({ note: 'vite: nothing added, the command already sets the port' });
    expect(added(['vite', '--port=5000'])).toEqual({ note: 'vite: nothing added, the command already sets the port' });
    expect(added(['storybook', 'dev', '-p', '6006'])).toEqual({ note: 'storybook: nothing added, the command already sets the port' });
    expect(added(['expo', 'start', '-p8081'])).toEqual({ note: 'expo: nothing added, the command already sets the port' });
    expect(plan(['vite', '--port', '{port}'])).toEqual({ ok: false, note: null });
  });

  it('does not add a flag the user wrote, but adds the others', () => {
    expect(added(['vite', '--host', '0.0.0.0'])).toEqual(['--port', '3001', '--strictPort']);
    expect(added(['vite', '--host=::'])).toEqual(['--port', '3001', '--strictPort']);
    expect(added(['vite', '--strictPort'])).toEqual(['--port', '3001', '--host', '127.0.0.1']);
    expect(added(['storybook', 'dev', '-h', 'box.local'])).toEqual(['--port', '3001']);
  });

  it('adds nothing after "--", where a flag would become an argument', () => {
    expect(added(['vite', '--', 'x'])).toEqual({ note: 'vite: nothing added, the command has "--" before the end' });
  });

  it('appends to the end and says what it added', () => {
    expect(plan(['vite', '--open'])).toEqual({
      ok: true,
      argv: ['vite', '--open', '--port', '3001', '--strictPort', '--host', '127.0.0.1'],
      framework: 'vite',
      added: ['--port', '3001', '--strictPort', '--host', '127.0.0.1'],
      summary: 'vite: --port 3001 --strictPort --host 127.0.0.1',
    });
  });
});

describe('planInjection: a dev server behind a package.json script', () => {
  const scripts = {
    dev: 'vite --open',
    start: 'ng serve',
    env: 'NODE_ENV=development FOO=1 vite',
    cross: 'cross-env NODE_ENV=development astro dev',
    npx: 'npx vite',
    quoted: `vite --config "my config.ts" --base '/a b/'`,
    both: 'vite && echo done',
    piped: 'vite | tee log',
    trailing: 'vite;',
    redirect: 'vite > log',
    pinned: 'vite --port 5173',
    placeholder: 'vite --port $VITE_PORT',
    nested: 'npm run dev',
    build: 'vite build',
    api: 'node server.js',
    comment: 'vite # the dev server',
    release: 'vite build && npm publish',
  };
  const flags = ['--port', '3001', '--strictPort', '--host', '127.0.0.1'];

  it('passes the flags after -- for npm, which would otherwise take them for itself', () => {
    expect(added(['npm', 'run', 'dev'], scripts)).toEqual(['--', ...flags]);
    expect(added(['npm', 'run-script', 'dev'], scripts)).toEqual(['--', ...flags]);
    expect(added(['npm', '--silent', 'run', 'dev'], scripts)).toEqual(['--', ...flags]);
    expect(added(['npm', 'start'], scripts)).toEqual(['--', '--port', '3001', '--host', '127.0.0.1']);
  });

  it('adds to the -- the user already wrote for npm', () => {
    expect(plan(['npm', 'run', 'dev', '--', '--force'], scripts)).toMatchObject({
      ok: true,
      argv: ['npm', 'run', 'dev', '--', '--force', ...flags],
    });
  });

  it('passes the flags straight after the script name for pnpm, yarn and bun', () => {
    expect(added(['pnpm', 'run', 'dev'], scripts)).toEqual(flags);
    expect(added(['pnpm', 'dev'], scripts)).toEqual(flags);
    expect(added(['pnpm', 'start'], scripts)).toEqual(['--port', '3001', '--host', '127.0.0.1']);
    expect(added(['yarn', 'dev'], scripts)).toEqual(flags);
    expect(added(['yarn', 'run', 'dev'], scripts)).toEqual(flags);
    expect(added(['bun', 'run', 'dev'], scripts)).toEqual(flags);
  });

  it('refuses a -- that pnpm, yarn or bun would hand on to the server', () => {
    expect(added(['pnpm', 'dev', '--', '--force'], scripts)).toEqual({ note: 'vite: nothing added, pnpm would pass "--" on to the "dev" script' });
  });

  it('sees through environment assignments, cross-env, npx and quotes', () => {
    expect(added(['npm', 'run', 'env'], scripts)).toEqual(['--', ...flags]);
    expect(added(['npm', 'run', 'cross'], scripts)).toEqual(['--', '--port', '3001', '--host', '127.0.0.1']);
    expect(added(['npm', 'run', 'npx'], scripts)).toEqual(['--', ...flags]);
    expect(added(['npm', 'run', 'quoted'], scripts)).toEqual(['--', ...flags]);
  });

  it.each([
    ['both', 'runs more than one command'],
    ['piped', 'runs more than one command'],
    ['trailing', 'runs more than one command'],
    ['redirect', 'uses shell syntax ports does not follow (>)'],
    ['comment', 'ends in a comment'],
  ])('adds nothing to the %s script, which %s, and says so', (name, why) => {
    expect(added(['npm', 'run', name], scripts)).toEqual({ note: `vite: nothing added, the "${name}" script ${why}` });
  });

  it('says so when the script or the command line already sets the port', () => {
    expect(added(['npm', 'run', 'pinned'], scripts)).toEqual({ note: 'vite: nothing added, the "pinned" script already sets the port' });
    expect(added(['npm', 'run', 'placeholder'], scripts)).toEqual({ note: 'vite: nothing added, the "placeholder" script already sets the port' });
    expect(added(['npm', 'run', 'dev', '--', '--port', '5000'], scripts)).toEqual({ note: 'vite: nothing added, the command already sets the port' });
    expect(plan(['npm', 'run', 'dev', '--', '--port', '{port}'], scripts)).toEqual({ ok: false, note: null });
  });

  it.each([
    [['npm', 'run', 'nested']],
    [['npm', 'run', 'build']],
    [['npm', 'run', 'release']],
    [['npm', 'run', 'api']],
    [['npm', 'run', 'missing']],
    [['npm', '--prefix', 'web', 'run', 'dev']],
    [['npm', 'test']],
    [['pnpm', '--filter', 'web', 'dev']],
    [['pnpm', 'install']],
    [['yarn', 'workspace', 'web', 'dev']],
    [['bun', 'dev']],
  ])('leaves %j alone, without a word', (argv) => {
    expect(plan(argv, scripts)).toEqual({ ok: false, note: null });
  });
});
