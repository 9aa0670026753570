import { appendFileSync } from 'node:fs';

/**
 * Module hooks (run by Node on its hooks thread; registered by module-trace-register.ts): append
 * every ES module resolution (`url<TAB>parent`) to $PKB_TRACE_FILE. Only for listing what the CLI
 * loads at start; the timings are taken without it.
 */
interface ResolveResult {
  url: string;
}
type NextResolve = (specifier: string, context: { parentURL?: string | undefined }) => Promise<ResolveResult>;

const traceFile = process.env['PKB_TRACE_FILE'];

export async function resolve(specifier: string, context: { parentURL?: string | undefined }, next: NextResolve): Promise<ResolveResult> {
  const result = await next(specifier, context);
  if (traceFile) appendFileSync(traceFile, `esm\t${result.url}\t${context.parentURL ?? ''}\n`);
  return result;
}
