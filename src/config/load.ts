/**
 * Config layers, lowest first: shipped config/default.json < user file < env < flags.
 * A bad key or value fails with E_CONFIG naming the key, the value, what was expected and the file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PortsError } from '../errors.js';
import { formatIssues } from '../protocol/messages.js';
import { configSchema, type Config } from './schema.js';

export const SHIPPED_CONFIG_PATH = fileURLToPath(new URL('../../config/default.json', import.meta.url));

export interface ConfigSources {
  env: NodeJS.ProcessEnv;
  /** The user file: $PORTS_CONFIG, else $XDG_CONFIG_HOME/portkeeper/config.json (absent is fine for the latter). */
  userFile: { path: string; required: boolean } | null;
  /** Overrides from flags, already in config shape. */
  flags?: Record<string, unknown>;
  shippedPath?: string;
}

export interface LoadedConfig {
  config: Config;
  /** The files that contributed, lowest first. */
  files: string[];
}

type Json = Record<string, unknown>;

function readJsonFile(path: string, required: boolean): Json | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return null;
    throw new PortsError('E_CONFIG', `Cannot read config file ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PortsError('E_CONFIG', `Config file ${path} is not valid JSON: ${(error as Error).message}`, { path }, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new PortsError('E_CONFIG', `Config file ${path} must hold a JSON object`, { path });
  }
  return parsed as Json;
}

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep merge of plain objects; arrays and scalars replace. `types` merges per type name. */
export function mergeLayers(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeLayers(current, value) : value;
  }
  return out;
}

function envLayer(env: NodeJS.ProcessEnv): Json {
  const layer: Json = {};
  const paths: Json = {};
  if (env['PORTS_SOCKET']) paths['socket'] = env['PORTS_SOCKET'];
  if (env['PORTS_STATE_DIR']) paths['state_dir'] = env['PORTS_STATE_DIR'];
  if (Object.keys(paths).length > 0) layer['paths'] = paths;
  if (env['PORTS_LOG_LEVEL']) layer['log_level'] = env['PORTS_LOG_LEVEL'];
  return layer;
}

function valueAt(object: unknown, path: PropertyKey[]): unknown {
  let current = object;
  for (const key of path) {
    if (!isPlainObject(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function loadConfig(sources: ConfigSources): LoadedConfig {
  const shippedPath = sources.shippedPath ?? SHIPPED_CONFIG_PATH;
  const files = [shippedPath];
  let merged = readJsonFile(shippedPath, true) ?? {};
  let userLayer: Json | null = null;
  if (sources.userFile) {
    userLayer = readJsonFile(sources.userFile.path, sources.userFile.required);
    if (userLayer) {
      merged = mergeLayers(merged, userLayer);
      files.push(sources.userFile.path);
    }
  }
  merged = mergeLayers(merged, envLayer(sources.env));
  if (sources.flags) merged = mergeLayers(merged, sources.flags);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error).map((line, index) => {
      const issue = parsed.error.issues[index];
      if (!issue || issue.code === 'unrecognized_keys') return line.replace('(message): ', '(top level): ');
      const value = valueAt(merged, issue.path);
      // Show scalar values only: an object would print the whole section.
      return value === undefined || (typeof value === 'object' && value !== null) ? line : `${line} (got ${JSON.stringify(value)})`;
    });
    const from = userLayer && sources.userFile ? ` (layers: ${files.join(', ')}, env, flags)` : '';
    throw new PortsError('E_CONFIG', `Invalid configuration${from}:\n  ${issues.join('\n  ')}`, { issues, files });
  }
  return { config: parsed.data, files };
}
