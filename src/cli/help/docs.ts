/**
 * The docs/ folder the package ships (package.json `files`), found from this module: it sits
 * at src/cli/help/ in a checkout and dist/cli/help/ in the package, three levels below the root.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PortsError } from '../../errors.js';
import { parseMarkdown } from './markdown.js';
import { CLI_PAGE, type DocPage } from './topics.js';

export const DOCS_DIR = fileURLToPath(new URL('../../../docs/', import.meta.url));

function readPage(dir: string, file: string): DocPage {
  const path = join(dir, file);
  try {
    return { file, blocks: parseMarkdown(readFileSync(path, 'utf8')) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new PortsError('E_PATH', `Cannot read the manual page ${path} (${code}); the help topics come from the package's docs/ folder`, { path }, { cause: error });
  }
}

/** docs/cli.md alone (for the pages of commands). */
export function readCliPage(dir = DOCS_DIR): DocPage {
  return readPage(dir, CLI_PAGE);
}

/** Every page of docs/, cli.md first, the others by name. */
export function readDocPages(dir = DOCS_DIR): DocPage[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.md') && file !== CLI_PAGE).sort();
  } catch {
    files = [];
  }
  return [readCliPage(dir), ...files.map((file) => readPage(dir, file))];
}
