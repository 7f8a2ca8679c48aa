import type { SqlDialect } from '@crawlflow/config';
import type { EntityManager } from 'typeorm';
import { type Db, managerOf } from './db';

/**
 * Which SQL the database behind `db` speaks. The repositories' statements are MySQL's; on SQLite
 * the compatibility layer (./sqlite) translates them, and the few it cannot translate branch here:
 * the MySQL text of a branch stays exactly as it was.
 */
export function dialectOf(db: Db): SqlDialect {
  // Optional chaining: a stand-in manager of a unit test has no connection (it speaks MySQL).
  const connection = (managerOf(db) as Partial<EntityManager>).connection;
  return connection?.options?.type === 'better-sqlite3' ? 'sqlite' : 'mysql';
}

/**
 * What the row an upsert tried to insert holds in `column`, inside its update clause: MySQL's
 * `VALUES(col)` (or a column of the INSERT … SELECT's source), SQLite's `excluded.col`.
 */
export function insertedValue(dialect: SqlDialect, column: string, mysqlSource?: string): string {
  if (dialect === 'sqlite') return `excluded.${column}`;
  return mysqlSource ? `${mysqlSource}.${column}` : `VALUES(${column})`;
}

/**
 * A table's columns in their order, for `IN (?)` table names; rows of TABLE_NAME, COLUMN_NAME.
 * information_schema on MySQL, the table_info pragma on SQLite.
 */
export function tableColumnsSql(dialect: SqlDialect): string {
  return dialect === 'sqlite'
    ? `SELECT m.name AS TABLE_NAME, c.name AS COLUMN_NAME
         FROM sqlite_master m JOIN pragma_table_info(m.name) c
        WHERE m.type = 'table' AND m.name IN (?)
        ORDER BY m.name, c.cid`
    : `SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)
        ORDER BY TABLE_NAME, ORDINAL_POSITION`;
}

/** Tables with a foreign key to the table `?`; rows of TABLE_NAME. */
export function referencingTablesSql(dialect: SqlDialect): string {
  return dialect === 'sqlite'
    ? `SELECT DISTINCT m.name AS TABLE_NAME
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
        WHERE m.type = 'table' AND f."table" = ?`
    : `SELECT DISTINCT TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = ?`;
}
