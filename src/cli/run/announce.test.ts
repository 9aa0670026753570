import { describe, expect, it } from 'vitest';
import { chosenLine } from './announce.js';
import type { InjectPlan } from './inject.js';

describe('chosenLine', () => {
  it('names the service and the URL', () => {
    expect(chosenLine({ service: 'web', port: 3001 })).toBe('ports: web → http://127.0.0.1:3001');
  });

  it('names the port when there is no service', () => {
    expect(chosenLine({ service: undefined, port: 3001 })).toBe('ports: port 3001 → http://127.0.0.1:3001');
  });

  it('says what it added, and what it ran when no command was given', () => {
    const injection: InjectPlan = { ok: true, argv: [], framework: 'vite', added: [], summary: 'vite: --port 3001 --strictPort' };
    expect(chosenLine({ service: 'web', port: 3001, injection })).toBe('ports: web → http://127.0.0.1:3001 (vite: --port 3001 --strictPort)');
    expect(chosenLine({ service: 'web', port: 3001, ran: 'npm run dev', injection })).toBe('ports: web → http://127.0.0.1:3001 (npm run dev; vite: --port 3001 --strictPort)');
  });

  it('carries a note about a server left alone, and nothing for a command it does not know', () => {
    expect(chosenLine({ service: 'web', port: 3001, injection: { ok: false, note: 'vite: nothing added, the command already sets the port' } })).toBe(
      'ports: web → http://127.0.0.1:3001 (vite: nothing added, the command already sets the port)',
    );
    expect(chosenLine({ service: 'web', port: 3001, injection: { ok: false, note: null } })).toBe('ports: web → http://127.0.0.1:3001');
  });

  it('stays one line whatever the service name or the script name hold', () => {
    const line = chosenLine({ service: 'w\neb\u001b[2J', port: 3001, injection: { ok: false, note: 'vite: nothing added, the "a\nb" script runs more than one command' } });
    expect(line).toBe('ports: w\\neb\\x1b[2J → http://127.0.0.1:3001 (vite: nothing added, the "a\\nb" script runs more than one command)');
    expect(line).not.toContain('\n');
  });
});
