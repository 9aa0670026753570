import type { CliContext, CommonFlags } from '../context.js';

/** `ports metrics`: the daemon's Prometheus text exposition. */
export async function runMetrics(flags: CommonFlags, ctx: CliContext): Promise<number> {
  const client = await ctx.connect();
  try {
    const { contentType, text } = await client.metrics();
    if (flags.json) ctx.out.json({ contentType, text });
    else ctx.out.result(text.trimEnd());
    return 0;
  } finally {
    await client.close();
  }
}
