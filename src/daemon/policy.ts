import type { PortPolicy } from '../allocator/policy.js';
import { exclusionRanges, type Config } from '../config/schema.js';
import type { PortRange } from '../shared/port-range.js';

/** The allocator's policy from config plus what the kernel says (read once at start). */
export function policyFromConfig(config: Config, ephemeral: PortRange | null): PortPolicy {
  return {
    types: config.types,
    defaultType: config.default_type,
    exclusions: exclusionRanges(config),
    ephemeral: config.skip_ephemeral_range ? ephemeral : null,
    skipBrowserUnsafe: config.skip_browser_unsafe_ports,
  };
}
