/**
 * `npm run build` runs this after tsc: dist/man/ports.1 from docs/cli.md (package.json `man`
 * points there, so a global install puts it where `man ports` finds it).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_VERSION } from '../../version.js';
import { createOutput } from '../output.js';
import { createProgram } from '../program.js';
import { DOCS_DIR } from './docs.js';
import { renderManPage } from './man-page.js';
import { CLI_PAGE } from './topics.js';

export const MAN_PAGE = fileURLToPath(new URL('../../man/ports.1', import.meta.url));

function programDescription(): string {
  const quiet = { write: () => true };
  const { program } = createProgram({
    out: createOutput({ stdout: quiet, stderr: quiet, env: {} }),
    env: {},
    connect: () => Promise.reject(new Error('not for the man page')),
    callerPid: () => Promise.resolve(process.pid),
  });
  return program.description();
}

export function buildManPage(docsDir = DOCS_DIR, target = MAN_PAGE): string {
  const page = renderManPage({
    markdown: readFileSync(join(docsDir, CLI_PAGE), 'utf8'),
    version: PACKAGE_VERSION,
    description: programDescription(),
    otherDocs: readdirSync(docsDir).filter((file) => file.endsWith('.md') && file !== CLI_PAGE).sort(),
  });
  mkdirSync(join(target, '..'), { recursive: true });
  writeFileSync(target, page);
  return target;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) buildManPage();
