/**
 * The foreground log for people: `ports daemon --foreground` (and `npm start`) on a terminal
 * prints one readable line per record instead of pino's JSON, e.g.
 *
 *   14:03:07.512 INFO  daemon started socket=/run/user/1000/portkeeper/ports.sock allocations=0
 *
 * Only the terminal copy changes: daemon.log stays JSON lines for tools. A pure formatter and a
 * stream that pino's multistream writes each serialized record to.
 */
import { writeSync } from 'node:fs';
import { escapeJsonText, escapeText } from '../shared/escape.js';

export type LogFormat = 'json' | 'pretty';

const LEVELS: Record<number, { name: string; colour: string }> = {
  10: { name: 'TRACE', colour: '90' },
  20: { name: 'DEBUG', colour: '36' },
  30: { name: 'INFO', colour: '32' },
  40: { name: 'WARN', colour: '33' },
  50: { name: 'ERROR', colour: '31' },
  60: { name: 'FATAL', colour: '35' },
};

/** A value on one line that cannot move the cursor or forge a line: bare when nothing in it needs quoting, JSON otherwise. */
function showValue(value: unknown): string {
  if (typeof value === 'string') return value !== '' && !/[\s"']/u.test(value) && escapeText(value) === value ? value : escapeJsonText(JSON.stringify(value));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return escapeJsonText(JSON.stringify(value) ?? String(value));
}

function clock(epochMs: number): string {
  const time = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${String(time.getMilliseconds()).padStart(3, '0')}`;
}

/** One serialized pino record → one line (plus an error's stack, indented, when it has one). */
export function formatLogLine(line: string, options: { colour: boolean }): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const { level, time, msg, pid: _pid, hostname: _hostname, err, ...fields } = record;
  const known = LEVELS[typeof level === 'number' ? level : 30] ?? { name: String(level), colour: '0' };
  const paint = (code: string, text: string) => (options.colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const parts = [paint('2', clock(typeof time === 'number' ? time : Date.now())), paint(known.colour, known.name.padEnd(5)), typeof msg === 'string' ? escapeText(msg) : ''];
  for (const [key, value] of Object.entries(fields)) parts.push(`${paint('2', `${key}=`)}${showValue(value)}`);
  let text = parts.filter((part) => part !== '').join(' ');
  if (err && typeof err === 'object') {
    const error = err as { message?: unknown; stack?: unknown };
    text += ` ${paint('2', 'err=')}${showValue(error.message ?? err)}`;
    if (typeof error.stack === 'string') text += `\n${error.stack.split('\n').slice(1).map((frame) => `    ${escapeText(frame.trim())}`).join('\n')}`;
  }
  return `${text}\n`;
}

/** A destination for pino.multistream: formats each record and writes it to `fd` synchronously. */
export function prettyDestination(fd: number, options: { colour: boolean }): { write(line: string): void } {
  return {
    write(line: string) {
      try {
        writeSync(fd, formatLogLine(line, options));
      } catch {
        // A closed terminal must never take the daemon down.
      }
    },
  };
}
