import { PortsError } from '../errors.js';

/** A whole number flag within [min, max], or E_USAGE naming the flag and the value. */
export function parseIntFlag(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new PortsError('E_USAGE', `${flag}: "${text}" is not a whole number`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new PortsError('E_USAGE', `${flag}: ${text} is outside ${min}-${max}`);
  }
  return value;
}

/** What a service name looks like (the protocol's serviceSchema, without loading zod). */
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,127}$/;

/** How to do with a service what the command does with a port: a word where a port goes is most likely a service name. */
const FOR_A_SERVICE: Record<'release' | 'renew' | 'who', (name: string) => string> = {
  release: (name) => `to release a service, use --service ${name}`,
  renew: (name) => `to renew a service, use --service ${name}`,
  who: (name) => `for a service's port, use ports get ${name}, then ports who PORT`,
};

/**
 * A PORT argument of `release`, `renew` or `who`. A word there is most likely a service name
 * typed without its flag (`ports release web`), so the error says how to name a service.
 */
export function parsePortArgument(text: string, verb: 'release' | 'renew' | 'who'): number {
  if (!/^\d+$/.test(text)) {
    const how = SERVICE_NAME.test(text) ? `; ${FOR_A_SERVICE[verb](text)}` : ' (1-65535)';
    throw new PortsError('E_USAGE', `"${text}" is not a port${how}`);
  }
  return parseIntFlag('PORT', text, 1, 65535);
}

/**
 * A comma-separated list of ports and inclusive ranges (`--prefer 3000,3005-3007`), in the order
 * given, repeats left out; E_USAGE naming the flag and the item that is wrong. Pure.
 */
export function parsePortListFlag(flag: string, text: string): number[] {
  const ports = new Set<number>();
  const items = text.split(',');
  for (const raw of items) {
    const item = raw.trim();
    const shown = JSON.stringify(item.length > 40 ? `${item.slice(0, 40)}…` : item);
    if (item === '') {
      throw new PortsError('E_USAGE', `${flag}: "${text}" has an empty item; give ports and ranges separated by commas, e.g. 3000,3005-3010`);
    }
    const match = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(item);
    if (!match) throw new PortsError('E_USAGE', `${flag}: ${shown} is not a port or a range A-B (ports 1-65535, separated by commas)`);
    const start = Number(match[1]);
    const end = match[2] === undefined ? start : Number(match[2]);
    if (start < 1 || start > 65535 || end < 1 || end > 65535) throw new PortsError('E_USAGE', `${flag}: ${shown} is outside 1-65535`);
    if (start > end) throw new PortsError('E_USAGE', `${flag}: ${shown} starts after it ends`);
    for (let port = start; port <= end; port++) ports.add(port);
  }
  return [...ports];
}
