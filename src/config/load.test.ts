import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/helpers/temp-dir.js';
import { PortsError } from '../errors.js';
import { loadConfig } from './load.js';

function userFile(content: unknown): { path: string; required: boolean } {
  const path = join(useTempDir(), 'config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return { path, required: true };
}

function configError(run: () => unknown): PortsError {
  try {
    run();
  } catch (error) {
    if (error instanceof PortsError) return error;
    throw error;
  }
  throw new Error('expected an E_CONFIG error');
}

describe('loadConfig', () => {
  it('loads the shipped defaults with no user file', () => {
    const { config } = loadConfig({ env: {}, userFile: null });
    expect(config.types['dev']).toEqual({ start: 3000, end: 3099 });
    expect(config.default_type).toBe('dev');
  });

  it('layers flags over env over the user file over the defaults', () => {
    const file = userFile({ log_level: 'debug', paths: { socket: '/file.sock' }, types: { web: '4100-4199' } });
    const { config } = loadConfig({
      env: { PORTS_SOCKET: '/env.sock', PORTS_LOG_LEVEL: 'warn' },
      userFile: file,
      flags: { log_level: 'error' },
    });
    expect(config.paths.socket).toBe('/env.sock');
    expect(config.log_level).toBe('error');
    expect(config.types['web']).toEqual({ start: 4100, end: 4199 });
    expect(config.types['dev']).toEqual({ start: 3000, end: 3099 });
  });

  it('a missing optional user file is fine; a missing required one is an error', () => {
    expect(() => loadConfig({ env: {}, userFile: { path: '/nonexistent/x.json', required: false } })).not.toThrow();
    expect(configError(() => loadConfig({ env: {}, userFile: { path: '/nonexistent/x.json', required: true } })).message).toMatch(
      /Cannot read config file \/nonexistent\/x.json/,
    );
  });

  it.each([
    ['an unknown key', { colour: true }, /Unrecognized key: "colour"/],
    ['a bad range', { types: { dev: '3000-30x' } }, /types\.dev: "3000-30x" is not a port range.*\(got "3000-30x"\)/],
    ['a reversed range', { types: { dev: '4000-3000' } }, /starts after it ends/],
    ['a wrong type', { limits: { max_connections: 'many' } }, /limits\.max_connections: .*expected number.*\(got "many"\)/],
    ['an out-of-range number', { limits: { idle_timeout_ms: 5 } }, /limits\.idle_timeout_ms: .*>=1000.*\(got 5\)/],
    ['an unknown default type', { default_type: 'nope' }, /default_type: "nope" is not one of the types/],
    ['a bad log level', { log_level: 'loud' }, /log_level/],
    ['an abstract portserver address', { portserver: { socket: '@unittest-portserver' } }, /portserver\.socket: a filesystem path/],
    ['a metrics endpoint off loopback', { metrics: { port: 9464, host: '0.0.0.0' } }, /metrics\.host: .*"127\.0\.0\.1"\|"::1".*\(got "0\.0\.0\.0"\)/],
  ])('rejects %s naming the key and the value', (_what, content, message) => {
    const error = configError(() => loadConfig({ env: {}, userFile: userFile(content) }));
    expect(error.code).toBe('E_CONFIG');
    expect(error.message).toMatch(message);
  });

  it('rejects a file that is not JSON, naming the file', () => {
    const file = userFile('{ "log_level": ');
    expect(configError(() => loadConfig({ env: {}, userFile: file })).message).toContain(`Config file ${file.path} is not valid JSON`);
  });

  it('rejects a bad PORTS_LOG_LEVEL from the environment', () => {
    expect(configError(() => loadConfig({ env: { PORTS_LOG_LEVEL: 'chatty' }, userFile: null })).message).toMatch(/log_level.*chatty/);
  });
});
