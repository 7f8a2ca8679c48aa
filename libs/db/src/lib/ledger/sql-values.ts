/**
 * Multi-row helpers for statements that work on MariaDB 10.6+ and MySQL 8 alike. Dates are written
 * as UTC wall-clock strings (sessions run in UTC, see data-source.ts).
 */
import { ISO_UTC_TIME } from '@crawlflow/contracts';

export function toSqlTimestamp(value: Date | string | number): string {
  // Worker results carry toISOString() output: rewrite it without a Date round trip (hot path).
  if (typeof value === 'string' && ISO_UTC_TIME.test(value))
    return `${value.slice(0, 10)} ${value.slice(11, 23)}`;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`invalid timestamp ${String(value)}`);
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * `UPDATE t JOIN <rows> v ON …` gives every row of a batch its own values in one statement. The
 * rows travel as one JSON parameter read by JSON_TABLE: a single query block whatever the batch
 * size (a UNION ALL of SELECTs costs the optimizer one block per row).
 *
 * `columns` are `name SQLTYPE`, in the order of each row's values.
 */
export function jsonRows(
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
): {
  sql: string;
  param: string;
} {
  const spec = columns.map((column, i) => `${column} PATH '$[${i}]'`).join(', ');
  return { sql: `JSON_TABLE(?, '$[*]' COLUMNS (${spec}))`, param: JSON.stringify(rows) };
}

/** What one statement may carry: well under MariaDB's and MySQL's default max_allowed_packet (16 MiB). */
export const MAX_STATEMENT_BYTES = 4 * 1024 * 1024;

/** Consecutive runs of `items` whose sizes add up to at most `maxBytes` (one item at least each). */
export function chunksByBytes<T>(
  items: readonly T[],
  size: (item: T) => number,
  maxBytes = MAX_STATEMENT_BYTES,
): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = size(item);
    if (chunk.length > 0 && bytes + itemBytes > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += itemBytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
