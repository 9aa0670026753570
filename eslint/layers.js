/**
 * The layers of src/: what each part may import. docs/architecture.md documents this same table;
 * change both together. Enforced by the `portkeeper/layers` rule (eslint/plugin.js) on every
 * non-test file under src/.
 *
 * A key is a folder (`client` = src/client/**) or a root file without `.ts` (`errors` =
 * src/errors.ts). Its list names the other parts it may import, type-only and dynamic imports
 * included; a part may always import itself. A part missing from the table may import nothing.
 */
export const LAYERS = {
  shared: ['errors'],
  errors: ['shared'],
  version: ['shared'],
  protocol: ['errors', 'version', 'shared'],
  system: ['errors', 'shared'],
  allocator: ['protocol', 'errors', 'shared'],
  config: ['protocol', 'allocator', 'errors', 'shared'],
  state: ['protocol', 'errors', 'shared'],
  health: ['protocol', 'state', 'allocator', 'system', 'errors', 'shared'],
  portserver: ['protocol', 'system', 'errors', 'shared'],
  daemon: ['protocol', 'system', 'allocator', 'config', 'state', 'health', 'portserver', 'errors', 'version', 'shared'],
  // The library users load: never the daemon.
  client: ['protocol', 'system', 'errors', 'version', 'shared'],
  cli: ['client', 'daemon', 'protocol', 'system', 'allocator', 'config', 'state', 'health', 'portserver', 'errors', 'version', 'shared'],
  // The public entries.
  index: ['client', 'protocol', 'errors', 'version'],
  testing: ['index', 'client', 'daemon', 'protocol', 'system', 'allocator', 'config', 'state', 'health', 'portserver', 'errors', 'version', 'shared'],
};

/**
 * Pure code decides; it does no I/O. These files (a path ending in `/` is a whole folder, relative
 * to src/) may not import the modules below (`node:fs` covers `fs` and `node:fs/promises` too).
 */
export const PURE = {
  files: ['protocol/', 'allocator/', 'shared/', 'health/decide.ts'],
  forbidden: ['node:fs', 'node:net', 'node:child_process', 'node:http', 'node:dgram', 'node:os', 'pino', 'prom-client', 'proper-lockfile'],
};
