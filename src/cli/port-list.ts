import { PortsError } from '../errors.js';

/**
 * Port arguments for commands that act on processes (`ports kill`): strict, because a port read
 * wrongly stops the wrong server. Only 1-65535 written plainly — no sign, no leading zero, no
 * spaces, no hex, no ranges — and duplicates collapse, keeping the order given. Pure.
 */
export function parsePortList(texts: readonly string[]): number[] {
  if (texts.length === 0) throw new PortsError('E_USAGE', 'PORT: name at least one port');
  const ports: number[] = [];
  for (const text of texts) {
    if (!/^[1-9]\d{0,4}$/.test(text) || Number(text) > 65535) {
      const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
      throw new PortsError('E_USAGE', `PORT: ${shown} is not a port (a whole number 1-65535, written without leading zeros)`, { value: text });
    }
    const port = Number(text);
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}
