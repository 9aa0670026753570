import { escapeText } from '../escape.js';

/**
 * The one line `ports run` prints on stderr once the port is chosen (not with --quiet), e.g.
 * `ports: web → http://127.0.0.1:3001`. The service name is escaped, so the line stays one
 * line. Pure.
 */
export function chosenLine(run: { service: string | undefined; port: number }): string {
  const url = `http://127.0.0.1:${run.port}`;
  return run.service === undefined ? `ports: port ${run.port} → ${url}` : `ports: ${escapeText(run.service)} → ${url}`;
}
