import { PortsError } from '../../errors.js';
import { PID_MAX } from '../../protocol/pid-max.js';
import type { ReleaseParams } from '../../protocol/messages.js';
import type { CliContext, CommonFlags } from '../context.js';
import { parseIntFlag, parsePortArgument } from '../flags.js';

export interface ReleaseFlags extends CommonFlags {
  service?: string;
  pid?: string;
  owner?: string;
  strict?: boolean;
}

export function releaseRequest(ports: string[], flags: ReleaseFlags): ReleaseParams {
  const params: ReleaseParams = {};
  if (ports.length > 0) params.ports = ports.map((port) => parsePortArgument(port, 'release'));
  if (flags.service !== undefined) params.service = flags.service;
  if (flags.pid !== undefined) params.pid = parseIntFlag('--pid', flags.pid, 2, PID_MAX);
  if (flags.owner !== undefined) params.owner = flags.owner;
  if (flags.strict) params.strict = true;
  if (params.ports === undefined && params.service === undefined && params.pid === undefined && params.owner === undefined) {
    throw new PortsError('E_USAGE', 'Name what to release: PORT..., --service, --pid or --owner');
  }
  return params;
}

export async function runRelease(ports: string[], flags: ReleaseFlags, ctx: CliContext): Promise<number> {
  const request = releaseRequest(ports, flags);
  const client = await ctx.connect();
  try {
    const result = await client.release(request);
    if (flags.json) {
      ctx.out.json({ released: result.released, notFound: result.notFound });
      return 0;
    }
    for (const allocation of result.released) {
      ctx.out.message(`released ${allocation.port}${allocation.service ? ` (${allocation.service})` : ''}`);
    }
    for (const port of result.notFound) ctx.out.message(`port ${port} was not allocated`);
    if (result.released.length === 0 && result.notFound.length === 0) ctx.out.message('nothing matched; nothing released');
    return 0;
  } finally {
    await client.close();
  }
}
