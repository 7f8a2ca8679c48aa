import type { DataSource } from 'typeorm';
import { dialectOf } from './dialect';

/** Codes (mysql2 and the server's) that say the database cannot be reached now, not that a statement is wrong. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_NORMAL_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_OPTION_PREVENTS_STATEMENT', // read-only during a failover
  'ER_CANT_CREATE_THREAD',
  'ER_OUT_OF_RESOURCES',
  'ER_OUTOFMEMORY',
  'ER_DISK_FULL',
  'ER_RECORD_FILE_FULL',
  'ER_LOCK_TABLE_FULL',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_WRITE_INTERRUPTED',
]);

/** Rows another transaction holds: running the transaction again is the answer. */
const CONTENTION_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

const UNAVAILABLE_TEXT =
  /closed state|connection lost|server has gone away|lost connection|pool is closed|too many connections|connect ETIMEDOUT|ECONNREFUSED/i;

interface DriverError {
  code?: unknown;
  fatal?: unknown;
  message?: unknown;
  driverError?: DriverError;
}

/** The driver's error code, also when TypeORM wrapped it (QueryFailedError.driverError). */
export function databaseErrorCode(error: unknown): string | undefined {
  const e = error as DriverError | null | undefined;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The database is unreachable or shutting down: wait for it, the work itself is fine. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as DriverError;
  const code = databaseErrorCode(error);
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  // SQLite's file could not be read or written (a failing disk, a removed directory).
  if (code && /^SQLITE_(IOERR|CANTOPEN)/.test(code)) return true;
  if (e.fatal === true || e.driverError?.fatal === true) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return UNAVAILABLE_TEXT.test(message);
}

export function isDatabaseContention(error: unknown): boolean {
  const code = databaseErrorCode(error);
  return code !== undefined && CONTENTION_CODES.has(code);
}

/**
 * Infrastructure, not input: the same work succeeds later unchanged. Anything else that a statement
 * raises (a value a column cannot hold, a bug) will fail the same way again.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  return isDatabaseUnavailable(error) || isDatabaseContention(error);
}

/** An error the database or its driver raised (not a bug in the caller's code). */
export function isDatabaseError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { driverError?: unknown; sqlState?: unknown; sqlMessage?: unknown; name?: unknown };
  return (
    e.driverError !== undefined ||
    e.sqlState !== undefined ||
    e.sqlMessage !== undefined ||
    e.name === 'QueryFailedError' ||
    isDatabaseUnavailable(error)
  );
}

/**
 * Resolves when the database answers and takes writes (a primary that turned read-only in a
 * failover answers SELECT 1 but refuses every write); rejects after 5 s without an answer. On
 * SQLite the statement waits for its turn on the one connection (a transaction holding it past the
 * timeout reads as unavailable), and a connection in query_only mode is the read-only primary.
 */
export async function probeDatabase(dataSource: DataSource, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const answer = dataSource.query<Array<{ ro: number | string }>>(
    dialectOf(dataSource) === 'sqlite'
      ? 'SELECT query_only AS ro FROM pragma_query_only'
      : 'SELECT @@global.read_only AS ro',
  );
  answer.catch(() => undefined);
  try {
    const rows = await Promise.race([
      answer,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    if (Number(rows[0]?.ro) === 1) throw new Error('the database is read-only');
  } finally {
    clearTimeout(timer);
  }
}
