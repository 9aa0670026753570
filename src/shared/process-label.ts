/**
 * A process named in a line of ours: `pid 1234 (node server.js)`, its command line (another
 * process's text) cut to `shown` characters and escaped; `pid 1234` without one. Pure.
 */
import { escapeText } from './escape.js';

export function processLabel(pid: number, command: string | null, shown: number): string {
  if (command === null || command === '') return `pid ${pid}`;
  const cut = command.length > shown ? `${command.slice(0, shown)}…` : command;
  return `pid ${pid} (${escapeText(cut)})`;
}
