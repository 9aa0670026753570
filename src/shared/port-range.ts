/** An inclusive range of TCP ports. */
export interface PortRange {
  start: number;
  end: number;
}

const RANGE = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/;

export function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Parse "A-B" (inclusive); a lone "A" is the range A-A. Returns an error text instead of throwing. */
export function parsePortRange(text: string): { ok: true; range: PortRange } | { ok: false; error: string } {
  const single = /^\s*(\d{1,5})\s*$/.exec(text);
  const match = single ? [text, single[1], single[1]] : RANGE.exec(text);
  if (!match) return { ok: false, error: `"${text}" is not a port range; expected A-B, e.g. 3000-3099` };
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (!isPort(start) || !isPort(end)) {
    return { ok: false, error: `"${text}" has a port outside 1-65535` };
  }
  if (start > end) return { ok: false, error: `"${text}" starts after it ends` };
  return { ok: true, range: { start, end } };
}

export function formatPortRange(range: PortRange): string {
  return `${range.start}-${range.end}`;
}

export function rangeSize(range: PortRange): number {
  return range.end - range.start + 1;
}

export function inRange(port: number, range: PortRange): boolean {
  return port >= range.start && port <= range.end;
}
