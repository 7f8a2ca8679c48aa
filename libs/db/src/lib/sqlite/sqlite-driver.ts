import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { getMetadataArgsStorage, type DataSource, type QueryRunner } from 'typeorm';
import { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import { MysqlCompat } from './mysql-compat';
import { SqliteFileInUseError } from './sqlite-errors';
import { CompatSqliteQueryRunner } from './sqlite-query-runner';
import { rowConverter, type RowConverter } from './sqlite-results';
import { WriteQueue, type WriteQueueOptions } from './write-queue';

/** The entities' MySQL column types, as SQLite takes them (declared types are free text there). */
const MYSQL_TYPES = [
  'timestamp',
  'enum',
  'set',
  'char',
  'tinytext',
  'mediumtext',
  'longtext',
  'tinyblob',
  'mediumblob',
  'longblob',
];

const STATEMENT_CACHE = 500;

/**
 * TypeORM's better-sqlite3 driver with the compatibility layer: a query runner per caller over the
 * one connection and its write queue, MySQL statements translated, mysql2's result shapes, and the
 * entities' MySQL column types accepted as they are.
 */
export class CompatSqliteDriver extends BetterSqlite3Driver {
  readonly queue: WriteQueue;
  readonly compat: MysqlCompat;
  private readonly statements = new Map<string, Statement>();
  private readonly converters = new WeakMap<Statement, RowConverter>();

  constructor(dataSource: DataSource, queueOptions: WriteQueueOptions = {}) {
    super(dataSource);
    this.supportedDataTypes.push(...(MYSQL_TYPES as typeof this.supportedDataTypes));
    this.withLengthColumnTypes.push('char' as (typeof this.withLengthColumnTypes)[number]);
    this.withPrecisionColumnTypes.push('timestamp' as (typeof this.withPrecisionColumnTypes)[number]);
    this.queue = new WriteQueue(queueOptions);
    this.compat = new MysqlCompat({ enumOrder: enumOrderOf(dataSource.options.entities) });
  }

  override createQueryRunner(): QueryRunner {
    return new CompatSqliteQueryRunner(this);
  }

  sqliteConnection(): Database {
    return this.databaseConnection as Database;
  }

  /** A prepared statement (LRU-cached by its SQLite text); integers read as BigInt, exactly. */
  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql);
    } else {
      statement = this.sqliteConnection().prepare(sql);
      statement.safeIntegers(true);
      if (this.statements.size >= STATEMENT_CACHE)
        this.statements.delete(this.statements.keys().next().value as string);
    }
    this.statements.set(sql, statement);
    return statement;
  }

  converterOf(statement: Statement): RowConverter {
    let convert = this.converters.get(statement);
    if (!convert) {
      convert = rowConverter(statement.columns());
      this.converters.set(statement, convert);
    }
    return convert;
  }

  override async disconnect(): Promise<void> {
    this.statements.clear();
    await super.disconnect();
  }

  /**
   * Opens the file (its directory made first), then `prepareDatabase` sets the pragmas. A file
   * another process holds answers SQLITE_BUSY at once (busy_timeout 0): a clear error, not a wait.
   */
  protected override async createDatabaseConnection(): Promise<Database> {
    const {
      database,
      readonly = false,
      fileMustExist = false,
      timeout = 0,
      nativeBinding = null,
      prepareDatabase,
    } = this.options;
    if (database !== ':memory:') await mkdir(dirname(database), { recursive: true });
    const SqliteDatabase = this.sqlite as new (file: string, options: object) => Database;
    const connection = new SqliteDatabase(database, { readonly, fileMustExist, timeout, nativeBinding });
    try {
      await prepareDatabase?.(connection);
    } catch (error) {
      connection.close();
      if ((error as { code?: unknown }).code === 'SQLITE_BUSY') throw new SqliteFileInUseError(database);
      throw error;
    }
    return connection;
  }
}

/**
 * Enum columns by name with their values in declaration order, where every entity that has a
 * column of that name agrees on them (`status` differs between tables, so it is left out).
 */
function enumOrderOf(entities: DataSource['options']['entities']): Map<string, readonly string[]> {
  const targets = new Set(Array.isArray(entities) ? entities : Object.values(entities ?? {}));
  const found = new Map<string, readonly string[] | null>();
  for (const column of getMetadataArgsStorage().columns) {
    if (!targets.has(column.target as never) || column.options.type !== 'enum' || !column.options.enum)
      continue;
    const raw = column.options.enum;
    const values = (Array.isArray(raw) ? raw : Object.values(raw)).map(String);
    const name = (column.options.name ?? column.propertyName).toLowerCase();
    const known = found.get(name);
    found.set(
      name,
      known === undefined || (known !== null && known.join() === values.join()) ? values : null,
    );
  }
  const order = new Map<string, readonly string[]>();
  for (const [name, values] of found) if (values) order.set(name, values);
  return order;
}
