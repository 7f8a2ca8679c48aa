/**
 * Multi-row helpers for statements that work on MariaDB and MySQL alike. Dates are written as
 * UTC wall-clock strings (sessions run in UTC, see data-source.ts).
 */
export function toSqlTimestamp(value: Date | string | number): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`invalid timestamp ${String(value)}`);
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * `UPDATE t JOIN (<derived>) v ON …` lets one statement give every row its own values; this builds
 * the derived table `SELECT ? AS a, ? AS b UNION ALL SELECT ?, ? …` and its parameters.
 */
export function derivedTable(
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
): {
  sql: string;
  params: unknown[];
} {
  if (rows.length === 0) throw new Error('derivedTable needs at least one row');
  const placeholders = columns.map(() => '?');
  const first = `SELECT ${placeholders.map((p, i) => `${p} AS ${columns[i]}`).join(', ')}`;
  const rest = `SELECT ${placeholders.join(', ')}`;
  const sql = [first, ...rows.slice(1).map(() => rest)].join(' UNION ALL ');
  return { sql, params: rows.flatMap((row) => [...row]) };
}
