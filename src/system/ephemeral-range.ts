import { readFile } from 'node:fs/promises';
import type { PortRange } from '../shared/port-range.js';

export const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

/** "32768\t60999\n" → {start, end}; null when unreadable or odd. */
export function parseEphemeralRange(text: string): PortRange | null {
  const [start, end] = text.trim().split(/\s+/).map(Number);
  if (start === undefined || end === undefined || !Number.isInteger(start) || !Number.isInteger(end) || start > end) {
    return null;
  }
  return { start, end };
}

/** The kernel's ephemeral port range, or null where /proc does not tell. */
export async function readEphemeralRange(path = EPHEMERAL_RANGE_FILE): Promise<PortRange | null> {
  try {
    return parseEphemeralRange(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}
