import { describe, expect, it } from 'vitest';
import { chosenLine } from './announce.js';

describe('chosenLine', () => {
  it('names the service and the URL', () => {
    expect(chosenLine({ service: 'web', port: 3001 })).toBe('ports: web → http://127.0.0.1:3001');
  });

  it('names the port when there is no service', () => {
    expect(chosenLine({ service: undefined, port: 3001 })).toBe('ports: port 3001 → http://127.0.0.1:3001');
  });

  it('stays one line whatever the service name holds', () => {
    const line = chosenLine({ service: 'w\neb\u001b[2J', port: 3001 });
    expect(line).toBe('ports: w\\neb\\x1b[2J → http://127.0.0.1:3001');
    expect(line).not.toContain('\n');
  });
});
