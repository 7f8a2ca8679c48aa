/**
 * Rows and write results in the shapes mysql2 gives them (through TypeORM's mysql driver, with
 * supportBigNumbers and bigNumberStrings), read off the columns' declared types in the SQLite
 * schema (../migrations-sqlite): callers written against MySQL read the same values.
 */
import type { ColumnDefinition, RunResult } from 'better-sqlite3';
import type { SqlVerb } from './mysql-compat';
import { parseSqliteTimestamp } from './sqlite-time';

type Convert = (value: unknown) => unknown;

/** BIGINT (and the INTEGER rowid ids, BIGINT AUTO_INCREMENT in MySQL): strings. */
const asIdString: Convert = (value) =>
  typeof value === 'bigint' || typeof value === 'number' ? String(value) : value;

/** INT, SMALLINT, TINYINT, BOOLEAN (tinyint(1): mysql2 answers 0/1), DOUBLE: numbers. */
const asNumber: Convert = (value) => (typeof value === 'bigint' ? Number(value) : value);

/** TIMESTAMP / DATETIME / DATE: Dates (UTC). */
const asDate: Convert = (value) => {
  if (typeof value !== 'string') return value;
  const ms = parseSqliteTimestamp(value);
  return ms === undefined ? value : new Date(ms);
};

/** JSON: mysql2 parses JSON columns (MariaDB marks its LONGTEXT json columns so). */
const asJson: Convert = (value) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};

const TIME_TEXT = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d{1,6})?)?$/;

/**
 * An expression with no declared type (an aggregate, NOW(3), COALESCE(…)): integers as numbers
 * (exact up to 2^53, text beyond), and time text as Dates, which is what MySQL answers for the
 * time expressions the code selects (MAX(created_at), NOW(3) AS now). COUNT and SUM, which mysql2
 * answers as text, come as numbers: every caller reads them through Number().
 */
const asExpression: Convert = (value) => {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : String(value);
  }
  if (typeof value === 'string' && TIME_TEXT.test(value)) return asDate(value);
  return value;
};

const asIs: Convert = (value) => (typeof value === 'bigint' ? Number(value) : value);

function converterFor(declared: string | null): Convert {
  if (declared === null) return asExpression;
  const type = declared.toUpperCase().replace(/\(.*$/, '').trim().split(/\s+/)[0];
  switch (type) {
    case 'INTEGER':
    case 'BIGINT':
      return asIdString;
    case 'INT':
    case 'SMALLINT':
    case 'TINYINT':
    case 'MEDIUMINT':
    case 'BOOLEAN':
    case 'BOOL':
    case 'DOUBLE':
    case 'REAL':
    case 'FLOAT':
    case 'NUMERIC':
      return asNumber;
    case 'TIMESTAMP':
    case 'DATETIME':
    case 'DATE':
      return asDate;
    case 'JSON':
      return asJson;
    default:
      return asIs;
  }
}

export type RowConverter = (row: Record<string, unknown>) => Record<string, unknown>;

/** Converts rows of a statement with these result columns in place. */
export function rowConverter(columns: readonly ColumnDefinition[]): RowConverter {
  const converters = columns.map((column) => [column.name, converterFor(column.type)] as const);
  return (row) => {
    for (const [name, convert] of converters) {
      const value = row[name];
      if (value !== null && value !== undefined) row[name] = convert(value);
    }
    return row;
  };
}

/** mysql2's ResultSetHeader, for INSERT / UPDATE / DELETE run through query(). */
export interface ResultSetHeader {
  fieldCount: 0;
  affectedRows: number;
  /** The first id a multi-row INSERT made (MySQL's LAST_INSERT_ID()), 0 without one. */
  insertId: number;
  info: string;
  serverStatus: number;
  warningStatus: number;
  changedRows: number;
}

export function resultHeader(run: RunResult, verb: SqlVerb): ResultSetHeader {
  const changes = Number(run.changes);
  // SQLite reports the last rowid; one writer gives a multi-row INSERT consecutive ids.
  const insertId = verb === 'INSERT' && changes > 0 ? Number(run.lastInsertRowid) - changes + 1 : 0;
  return {
    fieldCount: 0,
    affectedRows: changes,
    insertId,
    info: '',
    serverStatus: 2,
    warningStatus: 0,
    changedRows: verb === 'UPDATE' ? changes : 0,
  };
}
