import { PortsError } from '../errors.js';

/**
 * An inclusive range of ports that is also the list of its ports: pass it as `range` (the
 * search stays in it), as `preferred` (its ports are tried first, in order, then the usual
 * search) or as `exclude`.
 */
export interface PortNumbers extends Iterable<number> {
  readonly start: number;
  readonly end: number;
}

function checkPort(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new PortsError('E_INVALID_REQUEST', `portNumbers: ${name} must be a whole number 1-65535 (got ${String(value)})`, { [name]: value });
  }
  return value;
}

/**
 * The ports `from` to `to`, both included, as get-port's `portNumbers` gives them, and as a
 * `{start, end}` range. Throws a PortsError (`E_INVALID_REQUEST`) for a port outside 1-65535,
 * a number that is not whole, or `from` greater than `to`.
 *
 * @example
 * ```ts
 * import { allocatePort, portNumbers } from 'portkeeper';
 * const port = await allocatePort({ range: portNumbers(4000, 4099) });     // only 4000-4099
 * const near = await allocatePort({ preferred: portNumbers(4000, 4009) }); // those first, else any
 * ```
 */
export function portNumbers(from: number, to: number): PortNumbers {
  const start = checkPort('from', from);
  const end = checkPort('to', to);
  if (start > end) throw new PortsError('E_INVALID_REQUEST', `portNumbers: from (${start}) is greater than to (${end})`, { from, to });
  return Object.freeze({
    start,
    end,
    *[Symbol.iterator](): Iterator<number> {
      for (let port = start; port <= end; port++) yield port;
    },
  });
}
