import type { DataSource } from 'typeorm';

const COUNTERS = {
  statements: 'Questions',
  /** Explicit COMMITs (an autocommit statement is not counted). */
  commits: 'Com_commit',
  fsyncs: 'Innodb_data_fsyncs',
  // Handler counters: MariaDB 10.11 has no Innodb_rows_* (they include temporary tables' rows).
  'row writes': ['Handler_write', 'Handler_update', 'Handler_delete'],
} as const;

async function read(dataSource: DataSource): Promise<Record<string, number>> {
  const rows = await dataSource.query<Array<{ Variable_name: string; Value: string }>>('SHOW GLOBAL STATUS');
  const status = new Map(rows.map((row) => [row.Variable_name, Number(row.Value)]));
  return Object.fromEntries(
    Object.entries(COUNTERS).map(([name, keys]) => [
      name,
      ([] as string[]).concat(keys).reduce((sum, key) => sum + (status.get(key) ?? 0), 0),
    ]),
  );
}

/**
 * What the database server did from now until the returned function is called: the growth of its
 * global counters (meaningful when the benchmark has the server to itself).
 */
export async function databaseLoad(dataSource: DataSource): Promise<() => Promise<Record<string, number>>> {
  const before = await read(dataSource);
  return async () => {
    const after = await read(dataSource);
    return Object.fromEntries(Object.keys(before).map((name) => [name, after[name] - before[name]]));
  };
}
