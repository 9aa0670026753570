import { escapeText } from '../../shared/escape.js';
import type { InjectPlan } from './inject.js';

/**
 * The one line `ports run` prints on stderr once the port is chosen (not with --quiet), e.g.
 * `ports: web → http://127.0.0.1:3001 (vite: --port 3001 --strictPort --host 127.0.0.1)`.
 * In parentheses: the command it ran when none was given, and what it added or why it added
 * nothing to a server it knows. Text from package.json and the service name are escaped. Pure.
 */
export function chosenLine(run: { service: string | undefined; port: number; ran?: string; injection?: InjectPlan | null }): string {
  const url = `http://127.0.0.1:${run.port}`;
  const head = run.service === undefined ? `ports: port ${run.port} → ${url}` : `ports: ${escapeText(run.service)} → ${url}`;
  const details: string[] = [];
  if (run.ran !== undefined) details.push(run.ran);
  const injection = run.injection;
  if (injection?.ok) details.push(injection.summary);
  else if (injection?.note) details.push(injection.note);
  return details.length === 0 ? head : `${head} (${escapeText(details.join('; '))})`;
}
