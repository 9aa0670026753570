import { readFile, statfs } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';

/**
 * What the figures were measured on: they mean little without the CPU count and the file
 * system the state file is fsynced on (tmpfs makes fsync free and the figures flattering).
 */
export interface MachineInfo {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  totalMemoryMb: number;
  ephemeralRange: { start: number; end: number } | null;
  stateFileSystem: string;
  /** Other work on the host skews the figures; 1, 5, 15 minutes. */
  loadAverage: number[];
}

const FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0xef53, 'ext4'],
  [0x01021994, 'tmpfs'],
  [0x794c7630, 'overlayfs'],
  [0x9123683e, 'btrfs'],
  [0x58465342, 'xfs'],
  [0x2fc12fc1, 'zfs'],
  [0x6969, 'nfs'],
  [0x65735546, 'fuse'],
]);

export async function readEphemeralRangeForBench(): Promise<{ start: number; end: number } | null> {
  try {
    const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    const [start, end] = text.trim().split(/\s+/).map(Number);
    if (start === undefined || end === undefined || !Number.isInteger(start) || !Number.isInteger(end)) return null;
    return { start, end };
  } catch {
    return null;
  }
}

async function describeFileSystem(dir: string): Promise<string> {
  try {
    const { type } = await statfs(dir);
    return FILE_SYSTEMS.get(type) ?? `0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

export async function describeMachine(stateDir: string): Promise<MachineInfo> {
  const cores = cpus();
  return {
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    totalMemoryMb: Math.round(totalmem() / 1024 / 1024),
    ephemeralRange: await readEphemeralRangeForBench(),
    stateFileSystem: await describeFileSystem(stateDir),
    loadAverage: loadavg(),
  };
}

/**
 * A 5,000-port range for the bench that stays clear of the kernel's ephemeral range, so
 * outgoing connections elsewhere on the host do not make candidates look busy.
 */
export function chooseBenchRange(ephemeral: { start: number; end: number } | null): { start: number; end: number } {
  const candidates = [
    { start: 20000, end: 24999 },
    { start: 10000, end: 14999 },
    { start: 61000, end: 65535 },
  ];
  const clear = candidates.find((range) => ephemeral === null || range.end < ephemeral.start || range.start > ephemeral.end);
  return clear ?? { start: 20000, end: 24999 };
}

/**
 * Port blocks for the scale bench (up to ~10,000 live allocations at once): outside the kernel's
 * ephemeral range (the daemon skips those ports) and outside the shipped config's types, so the
 * bench neither competes with outgoing connections nor with dev servers on the host. In order of
 * use; only those clear of the ephemeral range.
 */
export function chooseScaleRanges(ephemeral: { start: number; end: number } | null): Array<{ start: number; end: number }> {
  const candidates = [
    { start: 25000, end: 31999 },
    { start: 61000, end: 65535 },
    { start: 10000, end: 14999 },
    { start: 9100, end: 9999 },
  ];
  return candidates.filter((range) => ephemeral === null || range.end < ephemeral.start || range.start > ephemeral.end);
}

export function rangesCapacity(ranges: ReadonlyArray<{ start: number; end: number }>): number {
  return ranges.reduce((sum, range) => sum + range.end - range.start + 1, 0);
}
