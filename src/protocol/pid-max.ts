/**
 * The highest pid there can be: Linux's PID_MAX_LIMIT (2^22), above which pid_max cannot be set.
 * A module of its own, without zod, so the CLI can check a `--pid` flag without loading the schemas.
 */
export const PID_MAX = 4_194_304;
