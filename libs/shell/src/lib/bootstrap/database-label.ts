import type { DatabaseConfig } from '@crawlflow/config';

/** Where the data lives, for logs: the SQLite file, or host:port/database. */
export function databaseLabel(database: DatabaseConfig): string {
  return database.dialect === 'sqlite'
    ? (database.file ?? database.url)
    : `${database.host}:${database.port}/${database.database}`;
}
