/**
 * Dev servers that ignore `PORT`, and the flags that make them listen on the port `ports run`
 * allocated. Data only; `inject.ts` decides when to use it. Pure.
 *
 * Sources: each tool's CLI reference (Vite, Astro, Angular `ng serve`, React Router, Remix,
 * Storybook, VitePress, webpack-dev-server, Expo, Docusaurus). Tools that read `PORT` themselves
 * (Next.js, Nuxt, Gatsby, Create React App, Parcel, `remix-serve`) need nothing and are not here.
 * docs/cli.md has the same table for users; keep the two in step.
 */

/** A flag to add unless the command already has one of its spellings. */
export interface ExtraFlag {
  add: readonly string[];
  /** Spellings that count as "already given": `--host`, `--host=…`, and short forms. */
  given: readonly string[];
}

export interface Framework {
  /** The name shown in the `ports run` line and the docs. */
  name: string;
  /** Executable names: the last part of the command's path, or the package `npx` runs. */
  bins: readonly string[];
  /** Spellings of the port flag (`--port`, `-p` …): when one is given, nothing is added. */
  portFlags: readonly string[];
  /**
   * The flags to add after `--port N` for this invocation, or null when it starts no server
   * (`vite build`, `astro check`). `positionals` are the arguments that do not start with `-`.
   */
  extrasFor(positionals: readonly string[], bin: string): readonly ExtraFlag[] | null;
}

const HOST: ExtraFlag = { add: ['--host', '127.0.0.1'], given: ['--host'] };
const STRICT_PORT: ExtraFlag = { add: ['--strictPort'], given: ['--strictPort', '--strict-port'] };

/** The invocation starts a server when its first positional argument is one of `commands` (undefined: none given). */
const firstIs =
  (commands: ReadonlyArray<string | undefined>, extras: readonly ExtraFlag[]) =>
  (positionals: readonly string[]): readonly ExtraFlag[] | null =>
    commands.includes(positionals[0]) ? extras : null;

export const FRAMEWORKS: readonly Framework[] = [
  {
    // `vite`, `vite dev`, `vite serve`, `vite preview`, `vite ROOT`; SvelteKit, Qwik, SolidStart … run `vite dev`.
    name: 'vite',
    bins: ['vite'],
    portFlags: ['--port'],
    extrasFor: (positionals) => (positionals.some((word) => word === 'build' || word === 'optimize') ? null : [STRICT_PORT, HOST]),
  },
  { name: 'astro', bins: ['astro'], portFlags: ['--port'], extrasFor: firstIs(['dev', 'preview'], [HOST]) },
  { name: 'angular', bins: ['ng'], portFlags: ['--port', '-p'], extrasFor: firstIs(['serve', 's', 'dev'], [HOST]) },
  { name: 'react-router', bins: ['react-router'], portFlags: ['--port'], extrasFor: firstIs(['dev'], [STRICT_PORT, HOST]) },
  // Remix's Vite dev server; the classic `remix dev` runs remix-serve, which reads PORT.
  { name: 'remix', bins: ['remix'], portFlags: ['--port'], extrasFor: firstIs(['vite:dev'], [STRICT_PORT, HOST]) },
  {
    // `-h` is Storybook's host flag. Not added: `--exact-port` (Storybook 8+; 7 refuses unknown
    // flags) and `--ci` (it also stops Storybook from opening the browser, which is the user's call).
    name: 'storybook',
    bins: ['storybook', 'sb', 'start-storybook'],
    portFlags: ['--port', '-p'],
    extrasFor: (positionals, bin) => (bin === 'start-storybook' || positionals[0] === 'dev' ? [{ add: ['--host', '127.0.0.1'], given: ['--host', '-h'] }] : null),
  },
  {
    // `vitepress` alone is `vitepress dev`; `preview` has only --port.
    name: 'vitepress',
    bins: ['vitepress'],
    portFlags: ['--port'],
    extrasFor: (positionals) => (positionals[0] === undefined || positionals[0] === 'dev' ? [STRICT_PORT] : positionals[0] === 'preview' ? [] : null),
  },
  { name: 'webpack-dev-server', bins: ['webpack', 'webpack-cli'], portFlags: ['--port'], extrasFor: firstIs(['serve', 'server', 's'], [HOST]) },
  { name: 'webpack-dev-server', bins: ['webpack-dev-server'], portFlags: ['--port'], extrasFor: () => [HOST] },
  // Expo's --host is lan/tunnel/localhost for the URL it prints, not an address to listen on.
  { name: 'expo', bins: ['expo'], portFlags: ['--port', '-p'], extrasFor: firstIs(['start'], []) },
  { name: 'docusaurus', bins: ['docusaurus'], portFlags: ['--port'], extrasFor: firstIs(['start', 'serve'], [HOST]) },
];

export function findFramework(bin: string): Framework | undefined {
  return FRAMEWORKS.find((framework) => framework.bins.includes(bin));
}

/** Whether `args` holds one of `spellings`: `--port`, `--port=5000`, and `-p5000` for a short `-p`. */
export function hasFlag(args: readonly string[], spellings: readonly string[]): boolean {
  return args.some((arg) =>
    spellings.some((flag) => arg === flag || arg.startsWith(`${flag}=`) || (/^-[A-Za-z]$/.test(flag) && arg.startsWith(flag) && /^\d+$/.test(arg.slice(2)))),
  );
}
