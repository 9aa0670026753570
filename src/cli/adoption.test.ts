import { describe, expect, it } from 'vitest';
import { adoptedNote, adoptSuggestion, serviceFromFolder } from './adoption.js';

describe('adoptedNote', () => {
  it("names the owner's own listener first", () => {
    const listeners = [
      { pid: 900, command: 'node worker.js' },
      { pid: 812, command: 'node server.js' },
    ];
    expect(adoptedNote(3001, 812, listeners)).toBe('adopted port 3001: pid 812 (node server.js) already listens on it');
  });

  it('names a listener of its tree when the owner itself does not listen', () => {
    expect(adoptedNote(3001, 800, [{ pid: null, command: null }, { pid: 812, command: null }])).toBe('adopted port 3001: pid 812 already listens on it');
  });

  it('escapes the command line and cuts it short', () => {
    const note = adoptedNote(3001, 812, [{ pid: 812, command: `node \u001b[2J${'x'.repeat(200)}` }]);
    expect(note).toBe(`adopted port 3001: pid 812 (node \\x1b[2J${'x'.repeat(71)}…) already listens on it`);
  });

  it('falls back to the owner when /proc no longer shows the listener', () => {
    expect(adoptedNote(3001, 812, [])).toBe('adopted port 3001: a process of owner pid 812 already listened on it');
  });
});

describe('serviceFromFolder', () => {
  it.each([
    ['/home/me/src/web-app', 'web-app'],
    ['/srv/api.v2', 'api.v2'],
    ['/', null],
    ['/home/me', null],
    ['/home/me/my project', null],
    ['/home/me/src/.hidden', null],
    ['/home/me/src/$(rm -rf ~)', null],
    [null, null],
  ])('%s gives %s', (cwd, service) => {
    expect(serviceFromFolder(cwd, '/home/me')).toBe(service);
  });
});

describe('adoptSuggestion', () => {
  it('is the allocate that registers the listener, with the service found or a placeholder', () => {
    expect(adoptSuggestion(3001, { pid: 1234, command: 'node server.js' }, 'web')).toEqual({ pid: 1234, service: 'web', command: 'ports allocate web --port 3001 --pid 1234' });
    expect(adoptSuggestion(3001, { pid: 1234, command: null }, null)).toEqual({ pid: 1234, service: null, command: 'ports allocate SERVICE --port 3001 --pid 1234' });
  });

  it('suggests nothing for a listener whose pid is not known', () => {
    expect(adoptSuggestion(3001, { pid: null, command: null }, null)).toBeNull();
  });
});
