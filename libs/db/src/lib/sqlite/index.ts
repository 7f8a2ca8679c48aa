/**
 * The SQLite dialect of libs/db: TypeORM's better-sqlite3 driver with a compatibility layer, so the
 * repositories' MySQL statements run unchanged on the standalone mode's embedded file.
 *
 * - One writer, on purpose (write-queue.ts): better-sqlite3 is one synchronous connection, so every
 *   transaction and every statement outside one takes a turn (FIFO); code running in a
 *   transaction's async context joins it. A holder that keeps the connection past 5 s while others
 *   wait is reported once with its stack and theirs: that is how a transaction that awaits work
 *   queued outside itself (a self-deadlock) shows.
 * - Statements (mysql-compat.ts, pure and cached per SQL text): mysql2's `?` expansion, INSERT
 *   IGNORE, ON DUPLICATE KEY UPDATE as ON CONFLICT DO UPDATE without a conflict target (SQLite
 *   ≥ 3.35 fires it on any unique key, as MySQL does: no index lookup, no caller change), locking
 *   clauses dropped, the clock as UTC text, INTERVAL arithmetic, JSON_TABLE, single-table UPDATE …
 *   JOIN, enum ordering. What has no mechanical form throws UntranslatableSqlError; those call
 *   sites branch with ../dialect.ts.
 * - Results (sqlite-results.ts) as mysql2 gives them, by declared column type: BIGINT and INTEGER
 *   ids as strings, INT/BOOLEAN as numbers, TIMESTAMP as Dates, JSON parsed; INSERT/UPDATE/DELETE
 *   answer a ResultSetHeader. Errors carry MySQL's codes (sqlite-errors.ts).
 */
export { MysqlCompat, toSqliteValue, type BoundSql, type CompiledSql, type SqlVerb } from './mysql-compat';
export { UntranslatableSqlError } from './token-tools';
export { SqliteFileInUseError, type SqliteDriverError } from './sqlite-errors';
export { CompatSqliteDriver } from './sqlite-driver';
export {
  allowLocksOnSqlite,
  prepareSqliteConnection,
  SqliteDataSource,
  SqliteEntityManager,
} from './sqlite-data-source';
export { outsideTransactions, WriteQueue, type Lease, type WriteQueueOptions } from './write-queue';
export { toSqliteTimestamp, parseSqliteTimestamp } from './sqlite-time';
