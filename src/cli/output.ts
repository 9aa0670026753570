/**
 * Everything the CLI prints goes through here: results to stdout, messages to stderr, tables
 * only on a TTY, colour only on a TTY without NO_COLOR, and one JSON object with --json.
 */
export const JSON_SCHEMA_VERSION = 1;

export interface CliStreams {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface Output {
  /** stdout is a terminal: tables, colour. */
  readonly isTTY: boolean;
  /** stderr is a terminal: someone reads the messages now (stdout may be `$(…)`). */
  readonly stderrIsTTY: boolean;
  /** A result line on stdout. */
  result(text: string): void;
  /** A message on stderr. */
  message(text: string): void;
  /** The one JSON document of --json. */
  json(value: Record<string, unknown>): void;
  /** A table on a TTY; tab-separated lines otherwise. */
  table(headers: string[], rows: string[][]): void;
  /** Emphasis when colour is allowed. */
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

export function createOutput(streams: CliStreams): Output {
  const isTTY = streams.stdout.isTTY === true;
  const color = isTTY && !('NO_COLOR' in streams.env && streams.env['NO_COLOR'] !== '') && streams.env['TERM'] !== 'dumb';
  const paint = (code: string) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    isTTY,
    stderrIsTTY: streams.stderr.isTTY === true,
    result: (text) => void streams.stdout.write(`${text}\n`),
    message: (text) => void streams.stderr.write(`${text}\n`),
    json: (value) => void streams.stdout.write(`${JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...value }, null, 2)}\n`),
    table(headers, rows) {
      if (!isTTY) {
        for (const row of rows) streams.stdout.write(`${row.join('\t')}\n`);
        return;
      }
      const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
      const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
      streams.stdout.write(`${paint('1')(line(headers))}\n`);
      for (const row of rows) streams.stdout.write(`${line(row)}\n`);
    },
    bold: paint('1'),
    dim: paint('2'),
    red: paint('31'),
    green: paint('32'),
    yellow: paint('33'),
  };
}
