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

/**
 * A PORT argument of `release` or `renew`. A word there is most likely a service name typed
 * without its flag (`ports release web`), so the error says how to name a service.
 */
export function parsePortArgument(text: string, verb: 'release' | 'renew'): number {
  if (!/^\d+$/.test(text)) {
    const how = SERVICE_NAME.test(text) ? `; to ${verb} a service, use --service ${text}` : ' (1-65535)';
    throw new PortsError('E_USAGE', `"${text}" is not a port${how}`);
  }
  return parseIntFlag('PORT', text, 1, 65535);
}
