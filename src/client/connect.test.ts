import { describe, expect, it } from 'vitest';
import { autostartAllowed } from './connect.js';

describe('autostartAllowed (PORTS_NO_AUTOSTART)', () => {
  it('is on when the variable is unset', () => {
    expect(autostartAllowed({})).toBe(true);
  });

  it.each(['', '0', 'false', 'FALSE', 'no', 'No', 'off', ' off '])('stays on for %j', (value) => {
    expect(autostartAllowed({ PORTS_NO_AUTOSTART: value })).toBe(true);
  });

  it.each(['1', 'true', 'TRUE', 'True', 'yes', 'YES', 'on', 'On', ' 1 ', 'y', 'disable'])('is off for %j', (value) => {
    expect(autostartAllowed({ PORTS_NO_AUTOSTART: value })).toBe(false);
  });
});
