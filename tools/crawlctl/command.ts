import { scalarText } from '@crawlflow/contracts';
import type { ApiClient } from './api-client';
import type { CommandArgs, OptionName } from './args';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CommandContext {
  client: ApiClient;
  args: CommandArgs;
  stdout: Output;
}

/** Exit codes: 0 done, 1 usage or API error, 2 the watched job ended FAILED or CANCELLED. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_JOB_NOT_SUCCESSFUL = 2;

export interface Command {
  /** The words that select it: `['job', 'run']`. */
  words: readonly string[];
  usage: string;
  summary: string;
  options: readonly OptionName[];
  run(ctx: CommandContext): Promise<number>;
}

/**
 * A field of an API answer as a line prints it: strings as they are, numbers and booleans as
 * `String()` writes them, null and undefined by name. The fields printed are scalars; an object or
 * a list prints as it always did in a template ("[object Object]", items joined by commas).
 */
export function text(value: unknown): string {
  const scalar = scalarText(value);
  if (scalar !== undefined) return scalar;
  if (value === null || value === undefined) return String(value);
  return Array.isArray(value) ? value.toString() : Object.prototype.toString.call(value);
}

export function printJson(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain table: columns as wide as their widest cell, no borders (easy to grep and cut). */
export function printTable(out: Output, headers: string[], rows: unknown[][]): void {
  const cells = rows.map((row) =>
    row.map((cell) => (cell === null || cell === undefined ? '-' : text(cell))),
  );
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => row[i]?.length ?? 0)),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  out.write(`${line(headers)}\n`);
  for (const row of cells) out.write(`${line(row)}\n`);
  if (rows.length === 0) out.write('(none)\n');
}
