import type { z } from 'zod';
import { PortsError } from '../errors.js';
import { formatIssues, MAX_PORT_LIST } from '../protocol/messages.js';
import type { ConnectOptions } from './connect.js';

/**
 * Checks of the options of allocatePort and releasePort, made before anything connects: every
 * misuse is a PortsError `E_INVALID_REQUEST` (the code the daemon gives the same mistake on the
 * wire) whose message starts with the function's name. Pure.
 */
export function invalidOption(fn: string, message: string, details?: Record<string, unknown>): PortsError {
  return new PortsError('E_INVALID_REQUEST', `${fn}: ${message}`, details);
}

export const CONNECT_OPTION_KEYS = ['socketPath', 'autostart', 'startTimeoutMs', 'env', 'clientName'] as const;

/** A plain object of options (undefined: none), or the error. */
export function checkOptionsObject(fn: string, value: unknown, what = 'options'): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidOption(fn, `${what} must be an object (got ${describeValue(value)})`);
  }
  return value as Record<string, unknown>;
}

/** Unknown keys are mistakes (a typo would otherwise be ignored); `hints` say what to use instead. */
export function checkOptionKeys(fn: string, options: Record<string, unknown>, known: readonly string[], hints: Record<string, string> = {}): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = Object.hasOwn(hints, key) ? `; ${hints[key]}` : `; known options: ${known.join(', ')}`;
    throw invalidOption(fn, `unknown option "${key}"${hint}`, { option: key });
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as Record<symbol, unknown>)[Symbol.iterator] === 'function';
}

/**
 * A port or an iterable of ports as an array, read at most once and at most MAX_PORT_LIST long
 * (an endless generator is an error, not a hang). The items are checked by the zod schema after.
 */
export function readPortList(fn: string, name: string, value: unknown): unknown[] {
  if (typeof value === 'number') return [value];
  if (!isIterable(value)) throw invalidOption(fn, `${name} must be a port number or an iterable of port numbers (got ${describeValue(value)})`);
  const items: unknown[] = [];
  for (const item of value) {
    if (items.length === MAX_PORT_LIST) throw invalidOption(fn, `${name} has more than ${MAX_PORT_LIST} ports`);
    items.push(item);
  }
  return items;
}

/** The connect options among `options`, type-checked. */
export function readConnectOptions(fn: string, options: Record<string, unknown>): ConnectOptions {
  const connect: ConnectOptions = {};
  const { socketPath, autostart, startTimeoutMs, env, clientName } = options;
  if (socketPath !== undefined) {
    if (typeof socketPath !== 'string' || socketPath === '') throw invalidOption(fn, `socketPath must be a non-empty string (got ${describeValue(socketPath)})`);
    connect.socketPath = socketPath;
  }
  if (autostart !== undefined) {
    if (typeof autostart !== 'boolean') throw invalidOption(fn, `autostart must be true or false (got ${describeValue(autostart)})`);
    connect.autostart = autostart;
  }
  if (startTimeoutMs !== undefined) {
    if (typeof startTimeoutMs !== 'number' || !Number.isFinite(startTimeoutMs) || startTimeoutMs < 0) {
      throw invalidOption(fn, `startTimeoutMs must be a number of milliseconds, 0 or more (got ${describeValue(startTimeoutMs)})`);
    }
    connect.startTimeoutMs = startTimeoutMs;
  }
  if (env !== undefined) {
    if (env === null || typeof env !== 'object' || Array.isArray(env)) throw invalidOption(fn, `env must be an object of variables (got ${describeValue(env)})`);
    connect.env = env as NodeJS.ProcessEnv;
  }
  if (clientName !== undefined) {
    if (typeof clientName !== 'string' || clientName.length > 200) throw invalidOption(fn, `clientName must be a string of at most 200 characters`);
    connect.clientName = clientName;
  }
  return connect;
}

/** Parse with a protocol schema; issues become one E_INVALID_REQUEST naming each field. */
export function parseWithSchema<S extends z.ZodType>(fn: string, schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error).map((line) => line.replace(/^\(message\): /, ''));
    throw invalidOption(fn, issues.join('; '), { issues });
  }
  return parsed.data;
}
