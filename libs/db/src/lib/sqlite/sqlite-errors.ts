import type { SqlVerb } from './mysql-compat';

/**
 * The error a SQLite statement raised, dressed as mysql2's: `code` (and `errno`) are the MySQL
 * codes callers test (db-errors.ts, the API's error filter), `sqliteCode` keeps SQLite's own.
 */
export interface SqliteDriverError extends Error {
  code: string | undefined;
  errno: number | undefined;
  sqliteCode: string | undefined;
  sqlMessage: string;
  /** The statement as SQLite ran it (after translation). */
  sqliteSql?: string;
  fatal?: boolean;
}

const BY_SQLITE_CODE: Record<string, [string, number]> = {
  SQLITE_CONSTRAINT_UNIQUE: ['ER_DUP_ENTRY', 1062],
  SQLITE_CONSTRAINT_PRIMARYKEY: ['ER_DUP_ENTRY', 1062],
  SQLITE_CONSTRAINT_NOTNULL: ['ER_BAD_NULL_ERROR', 1048],
  SQLITE_CONSTRAINT_CHECK: ['ER_CHECK_CONSTRAINT_VIOLATED', 3819],
  SQLITE_BUSY: ['ER_LOCK_WAIT_TIMEOUT', 1205],
  SQLITE_BUSY_SNAPSHOT: ['ER_LOCK_DEADLOCK', 1213],
  SQLITE_LOCKED: ['ER_LOCK_WAIT_TIMEOUT', 1205],
  SQLITE_FULL: ['ER_DISK_FULL', 1021],
  SQLITE_NOMEM: ['ER_OUTOFMEMORY', 1037],
  SQLITE_READONLY: ['ER_OPTION_PREVENTS_STATEMENT', 1290],
  SQLITE_TOOBIG: ['ER_NET_PACKET_TOO_LARGE', 1153],
  SQLITE_INTERRUPT: ['ER_QUERY_INTERRUPTED', 1317],
  SQLITE_MISMATCH: ['ER_TRUNCATED_WRONG_VALUE_FOR_FIELD', 1366],
};

const BY_MESSAGE: Array<[RegExp, string, number]> = [
  [/^no such table/i, 'ER_NO_SUCH_TABLE', 1146],
  [/^no such column/i, 'ER_BAD_FIELD_ERROR', 1054],
  [/syntax error|incomplete input/i, 'ER_PARSE_ERROR', 1064],
  [/^table .* already exists/i, 'ER_TABLE_EXISTS_ERROR', 1050],
];

/** A better-sqlite3 error (or the one it throws on a closed connection) as a mysql2-like error. */
export function toMysqlError(error: unknown, verb: SqlVerb, sqliteSql?: string): SqliteDriverError {
  // Duck-typed: better-sqlite3's errors come from Node's realm, not from a test sandbox's Error.
  const source = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as {
    message?: unknown;
    code?: unknown;
  };
  const message = typeof source.message === 'string' ? source.message : String(error);
  const sqliteCode = typeof source.code === 'string' ? source.code : undefined;
  // Named Error, as mysql2's are: TypeORM's QueryFailedError message is then the driver's own.
  const out = new Error(message) as SqliteDriverError;
  out.sqliteCode = sqliteCode;
  out.sqlMessage = message;
  if (sqliteSql) out.sqliteSql = sqliteSql;
  let mapped: [string, number] | undefined;
  // ON DELETE RESTRICT answers SQLITE_CONSTRAINT_TRIGGER, with the same message.
  if (sqliteCode === 'SQLITE_CONSTRAINT_FOREIGNKEY' || /FOREIGN KEY constraint failed/.test(message)) {
    // A DELETE of a parent row still referenced, or a child row naming a missing parent.
    mapped = verb === 'DELETE' ? ['ER_ROW_IS_REFERENCED_2', 1451] : ['ER_NO_REFERENCED_ROW_2', 1452];
  } else if (sqliteCode) {
    mapped = BY_SQLITE_CODE[sqliteCode] ?? BY_SQLITE_CODE[sqliteCode.replace(/_[A-Z]+$/, '')];
    if (!mapped && sqliteCode === 'SQLITE_ERROR') {
      const hit = BY_MESSAGE.find(([pattern]) => pattern.test(message));
      if (hit) mapped = [hit[1], hit[2]];
    }
  } else if (/database connection is not open/i.test(message)) {
    // The DataSource was destroyed: as mysql2 after its pool closed (db-errors counts it unavailable).
    out.message = `connection lost: ${message}`;
    out.fatal = true;
    mapped = ['PROTOCOL_CONNECTION_LOST', 0];
  }
  out.code = mapped?.[0] ?? sqliteCode;
  out.errno = mapped?.[1];
  return out;
}

/** The error of opening a file another process holds (locking_mode=EXCLUSIVE, busy_timeout 0). */
export class SqliteFileInUseError extends Error {
  readonly code = 'SQLITE_BUSY';
  readonly sqliteCode = 'SQLITE_BUSY';

  constructor(readonly file: string) {
    super(
      `the SQLite file ${file} is in use by another process: one process owns a standalone database ` +
        '(stop the other crawlflow process, or give this one its own DATABASE_URL=sqlite:<file>)',
    );
    this.name = 'SqliteFileInUseError';
  }
}
