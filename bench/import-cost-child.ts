import { performance } from 'node:perf_hooks';

/**
 * `node import-cost-child.js '<json [{label, specifier}]>'`: imports the modules one after the
 * other in a fresh process and prints, as JSON, how long each import took given the ones before
 * (its marginal cost: resolve, read, compile, evaluate itself and whatever it pulls in that is not
 * loaded yet), and how long Node took to reach this module.
 */
interface Step {
  label: string;
  specifier: string;
}

const startedAt = performance.now();
const steps = JSON.parse(process.argv[2] ?? '[]') as Step[];
const out: Array<{ label: string; ms: number }> = [];
for (const step of steps) {
  const t = performance.now();
  await import(step.specifier);
  out.push({ label: step.label, ms: performance.now() - t });
}
process.stdout.write(`${JSON.stringify({ bootMs: startedAt, steps: out })}\n`);
