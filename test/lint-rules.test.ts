import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Linter, RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { plugin } from '../eslint/plugin.js';
import { useTempDir } from './helpers/temp-dir.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

// The layer rule reads no files: paths under a src/ that need not exist are enough.
const srcDir = '/repo/src';
const file = (rel: string) => ({ filename: join(srcDir, rel), options: [{ srcDir }] });
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });

describe('portkeeper/layers', () => {
  tester.run('layers', plugin.rules.layers, {
    valid: [
      { ...file('client/transport.ts'), code: "import type { Request } from '../protocol/messages.js';" },
      { ...file('client/transport.ts'), code: "import { connectSocket } from './socket-transport.js';" },
      { ...file('client/transport.ts'), code: "export { PortsError } from '../errors.js';" },
      { ...file('daemon/server.ts'), code: "import { startPortserver } from '../portserver/start.js';" },
      { ...file('cli/commands/doctor.ts'), code: "const { startDaemon } = await import('../../daemon/daemon.js');" },
      { ...file('index.ts'), code: "export { PortsClient } from './client/client.js';" },
      // Tests may reach anything.
      { ...file('client/transport.test.ts'), code: "import { createHandler } from '../daemon/handler.js';" },
      // Only the pure files are kept from I/O, and node:path is no I/O.
      { ...file('health/monitor.ts'), code: "import { readFile } from 'node:fs/promises';" },
      { ...file('protocol/framing.ts'), code: "import { join } from 'node:path'; import { z } from 'zod';" },
    ],
    invalid: [
      {
        ...file('client/transport.ts'),
        code: "import { createHandler } from '../daemon/handler.js';",
        errors: [{ message: 'src/client may not import src/daemon (layers: client → protocol, system, errors, version, shared); see docs/architecture.md' }],
      },
      { ...file('client/memory-transport.ts'), code: "import type { Handler } from '../daemon/handler.js';", errors: [{ messageId: 'layer' }] },
      { ...file('client/autostart.ts'), code: "const main = await import('../daemon/main.js');", errors: [{ messageId: 'layer' }] },
      { ...file('client/client.ts'), code: "type Main = typeof import('../daemon/main.js');", errors: [{ messageId: 'layer' }] },
      { ...file('protocol/results.ts'), code: "export type { AuditEvent } from '../daemon/audit.js';", errors: [{ messageId: 'layer' }] },
      { ...file('system/listeners.ts'), code: "export * from '../health/listen-table.js';", errors: [{ messageId: 'layer' }] },
      {
        ...file('index.ts'),
        code: "import { runCli } from './cli/main.js';",
        errors: [{ message: 'src/index.ts may not import src/cli (layers: index → client, protocol, errors, version); see docs/architecture.md' }],
      },
      {
        ...file('errors.ts'),
        code: "import { VERSION } from './version.js';",
        errors: [{ message: 'src/errors.ts may not import src/version.ts (layers: errors → shared); see docs/architecture.md' }],
      },
      {
        ...file('protocol/framing.ts'),
        code: "import { readFileSync } from 'node:fs';",
        errors: [
          {
            message:
              'src/protocol/framing.ts is pure and may not import node:fs (pure files import none of node:fs, node:net, node:child_process, node:http, node:dgram, node:os, pino, prom-client, proper-lockfile); see docs/architecture.md',
          },
        ],
      },
      { ...file('shared/clock.ts'), code: "import { readFile } from 'fs/promises';", errors: [{ messageId: 'pure' }] },
      { ...file('health/decide.ts'), code: "import type { Logger } from 'pino';", errors: [{ messageId: 'pure' }] },
      { ...file('allocator/plan.ts'), code: "const { createServer } = await import('node:net');", errors: [{ messageId: 'pure' }] },
      {
        ...file('plugins/loader.ts'),
        code: "import { PortsError } from '../errors.js';",
        errors: [{ message: 'src/plugins is not in the layer table, so it may not import src/errors.ts; add it to eslint/layers.js and docs/architecture.md' }],
      },
    ],
  });
});

/** Writes `files` (src-relative path → code) under a fresh src/ and lints each with no-import-cycle: path → messages. */
function lintCycles(files: Record<string, string>): Record<string, string[]> {
  const root = useTempDir('pk-lint-');
  const src = join(root, 'src');
  for (const [rel, code] of Object.entries(files)) {
    mkdirSync(dirname(join(src, rel)), { recursive: true });
    writeFileSync(join(src, rel), code);
  }
  const linter = new Linter({ cwd: root });
  const config: Linter.Config[] = [
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { portkeeper: plugin }, rules: { 'portkeeper/no-import-cycle': ['error', { srcDir: src }] } },
  ];
  return Object.fromEntries(
    Object.entries(files).map(([rel, code]) => [rel, linter.verify(code, config, { filename: join(src, rel) }).map((message) => `${message.line}: ${message.message}`)]),
  );
}

describe('portkeeper/no-import-cycle', () => {
  it('reports a two-file circle once, on the import that closes it', () => {
    expect(
      lintCycles({
        'client/client.ts': "import { connect } from './connect.js';\nexport class PortsClient {}",
        'client/connect.ts': "import { x } from 'zod';\nimport type { PortsClient } from './client.js';\nexport const connect = 1;",
        'index.ts': "export { PortsClient } from './client/client.js';",
      }),
    ).toEqual({
      'client/client.ts': [],
      'client/connect.ts': ['2: This import closes an import circle: src/client/client.ts → src/client/connect.ts → src/client/client.ts; see docs/architecture.md'],
      'index.ts': [],
    });
  });

  it('follows dynamic imports and re-exports across folders', () => {
    expect(
      lintCycles({
        'a/one.ts': "export * from '../b/two.js';",
        'b/two.ts': "export { three } from '../c/three.js';",
        'c/three.ts': "export const three = () => import('../a/one.js');",
      }),
    ).toEqual({
      'a/one.ts': [],
      'b/two.ts': [],
      'c/three.ts': ['1: This import closes an import circle: src/a/one.ts → src/b/two.ts → src/c/three.ts → src/a/one.ts; see docs/architecture.md'],
    });
  });

  it('finds nothing when the imports only point one way, comments and tests aside', () => {
    expect(
      lintCycles({
        'client/client.ts': "import { connect } from './connect.js';\n// import { PortsClient } from './client.js' in connect.ts would close a circle",
        'client/connect.ts': "const text = \"import './client.js'\";\nexport const connect = 1;",
        'client/connect.test.ts': "import { PortsClient } from './client.js';\nimport { connect } from './connect.js';",
        'client/client.test.ts': "import { connect } from './connect.test.js';",
      }),
    ).toEqual({ 'client/client.ts': [], 'client/connect.ts': [], 'client/connect.test.ts': [], 'client/client.test.ts': [] });
  });
});
