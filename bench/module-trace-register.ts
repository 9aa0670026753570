import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

/**
 * `node --import dist-bench/bench/module-trace-register.js bin/ports …` with $PKB_TRACE_FILE set:
 * records every ES module the program resolves (through module-trace-hooks.ts) and, at exit,
 * every CommonJS file it required (commander is CommonJS under its ESM wrapper).
 */
register('./module-trace-hooks.js', import.meta.url);

const traceFile = process.env['PKB_TRACE_FILE'];
process.on('exit', () => {
  if (!traceFile) return;
  const cache = (createRequire(import.meta.url)('node:module') as { _cache?: Record<string, unknown> })._cache ?? {};
  const lines = Object.keys(cache).map((file) => `cjs\t${file}\t\n`);
  if (lines.length > 0) appendFileSync(traceFile, lines.join(''));
});
