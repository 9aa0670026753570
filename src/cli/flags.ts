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
