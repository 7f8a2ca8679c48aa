import type { Database } from 'better-sqlite3';
import {
  DataSource,
  EntityManager,
  SelectQueryBuilder,
  TypeORMError,
  type DataSourceOptions,
  type QueryRunner,
} from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { QueryRunnerProviderAlreadyReleasedError } from 'typeorm/error/QueryRunnerProviderAlreadyReleasedError';
import { registerMysqlFunctions } from './mysql-functions';
import { CompatSqliteDriver } from './sqlite-driver';
import { CompatSqliteQueryRunner } from './sqlite-query-runner';
import type { WriteQueueOptions } from './write-queue';

export interface SqliteFileOptions {
  /** The database file, absolute. */
  file: string;
  /** What DATABASE() answers (the file's base name). */
  name: string;
}

/**
 * One process owns the file: EXCLUSIVE locking keeps it from the first access to close, so a second
 * process fails at once (busy_timeout 0) instead of waiting. WAL with synchronous=FULL: a commit
 * is on disk when it returns, as InnoDB's with innodb_flush_log_at_trx_commit=1.
 */
export function prepareSqliteConnection(name: string): (db: Database) => void {
  return (db) => {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Takes the lock now rather than at the first write (EXCLUSIVE mode keeps it until close).
    db.exec('BEGIN IMMEDIATE; COMMIT');
    registerMysqlFunctions(db, name);
  };
}

/**
 * A transaction's callback runs in its async context: what it awaits joins the transaction on the
 * one connection instead of queueing behind it (see WriteQueue). Otherwise TypeORM's own
 * EntityManager.transaction.
 */
export class SqliteEntityManager extends EntityManager {
  override async transaction<T>(
    isolationOrRun: IsolationLevel | ((manager: EntityManager) => Promise<T>),
    maybeRun?: (manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    const isolation: IsolationLevel | undefined =
      typeof isolationOrRun === 'string' ? isolationOrRun : undefined;
    const run = typeof isolationOrRun === 'function' ? isolationOrRun : maybeRun;
    if (!run)
      throw new TypeORMError(
        'Transaction method requires callback in second parameter if isolation level is supplied.',
      );
    if (this.queryRunner?.isReleased) throw new QueryRunnerProviderAlreadyReleasedError();
    const queryRunner: QueryRunner = this.queryRunner ?? this.connection.createQueryRunner();
    try {
      await queryRunner.startTransaction(isolation);
      const manager = queryRunner.manager;
      const result =
        queryRunner instanceof CompatSqliteQueryRunner
          ? await queryRunner.runInContext(() => run(manager))
          : await run(manager);
      await queryRunner.commitTransaction();
      return result;
    } catch (error) {
      try {
        await queryRunner.rollbackTransaction();
      } catch {
        // The original error is the one worth throwing.
      }
      throw error;
    } finally {
      if (!this.queryRunner) await queryRunner.release();
    }
  }
}

/** A DataSource on the compatibility driver (see CompatSqliteDriver). */
export class SqliteDataSource extends DataSource {
  constructor(options: DataSourceOptions, queueOptions: WriteQueueOptions = {}) {
    super(options);
    // TypeORM picks its driver by `type`; this one replaces it before anything connects.
    Object.assign(this, { driver: new CompatSqliteDriver(this, queueOptions) });
  }

  override createEntityManager(queryRunner?: QueryRunner): EntityManager {
    return new SqliteEntityManager(this, queryRunner);
  }

  /** The driver's write queue (tests look at it; so does the watchdog). */
  get writeQueue(): CompatSqliteDriver['queue'] {
    return (this.driver as CompatSqliteDriver).queue;
  }
}

let lockPatched = false;

/**
 * TypeORM refuses pessimistic locks on SQLite (LockNotSupportedOnGivenDriverError). The one writer
 * at a time holds every row a lock would: the locking clause is dropped for this driver only.
 */
export function allowLocksOnSqlite(): void {
  if (lockPatched) return;
  lockPatched = true;
  const proto = SelectQueryBuilder.prototype as unknown as {
    createLockExpression: (this: SelectQueryBuilder<object>) => string;
  };
  const original = proto.createLockExpression;
  proto.createLockExpression = function createLockExpression(this: SelectQueryBuilder<object>): string {
    if (this.connection.driver instanceof CompatSqliteDriver) return '';
    return original.call(this);
  };
}
