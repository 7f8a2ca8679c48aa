import type { Statement } from 'better-sqlite3';
import { QueryFailedError } from 'typeorm';
import { BetterSqlite3QueryRunner } from 'typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { QueryRunnerAlreadyReleasedError } from 'typeorm/error/QueryRunnerAlreadyReleasedError';
import { TransactionNotStartedError } from 'typeorm/error/TransactionNotStartedError';
import { QueryResult } from 'typeorm/query-runner/QueryResult';
import type { BoundSql } from './mysql-compat';
import type { CompatSqliteDriver } from './sqlite-driver';
import { toMysqlError } from './sqlite-errors';
import { resultHeader } from './sqlite-results';
import type { Lease } from './write-queue';

let runnerIds = 0;

/**
 * A query runner of its own per caller, all on the driver's one connection (TypeORM's shares one
 * runner between every caller, so two `transaction()`s would nest into each other). A transaction
 * holds the driver's write queue from BEGIN to its end; a statement outside one takes a turn.
 * Statements are MySQL's, translated (./mysql-compat); results come back as mysql2's.
 */
export class CompatSqliteQueryRunner extends BetterSqlite3QueryRunner {
  private readonly id = ++runnerIds;
  /** Held from the outermost BEGIN to its COMMIT / ROLLBACK. */
  private lease: Lease | undefined;
  /** Started inside another transaction's async context: runs as savepoints of that one. */
  private outer: Lease | undefined;

  constructor(private readonly compat: CompatSqliteDriver) {
    super(compat);
  }

  override async startTransaction(isolationLevel?: IsolationLevel): Promise<void> {
    void isolationLevel; // one connection, one writer: every transaction is SERIALIZABLE
    const first = this.transactionDepth === 0;
    if (first) {
      this.outer = this.compat.queue.contextLease();
      if (!this.outer) this.lease = await this.compat.queue.acquire(`transaction (runner ${this.id})`, true);
    }
    this.isTransactionActive = true;
    try {
      await this.broadcaster.broadcast('BeforeTransactionStart');
      await this.query(first && !this.outer ? 'BEGIN' : `SAVEPOINT ${this.savepoint(this.transactionDepth)}`);
      this.transactionDepth += 1;
    } catch (error) {
      if (first) this.endTransaction();
      throw error;
    }
    await this.broadcaster.broadcast('AfterTransactionStart');
  }

  override async commitTransaction(): Promise<void> {
    if (!this.isTransactionActive) throw new TransactionNotStartedError();
    await this.broadcaster.broadcast('BeforeTransactionCommit');
    const depth = this.transactionDepth;
    // A failed COMMIT (a deferred foreign key) leaves the transaction open: the caller rolls back.
    await this.query(depth > 1 || this.outer ? `RELEASE SAVEPOINT ${this.savepoint(depth - 1)}` : 'COMMIT');
    this.transactionDepth -= 1;
    if (this.transactionDepth === 0) this.endTransaction();
    await this.broadcaster.broadcast('AfterTransactionCommit');
  }

  override async rollbackTransaction(): Promise<void> {
    if (!this.isTransactionActive) throw new TransactionNotStartedError();
    await this.broadcaster.broadcast('BeforeTransactionRollback');
    const depth = this.transactionDepth;
    try {
      if (depth > 1 || this.outer) {
        const name = this.savepoint(depth - 1);
        await this.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await this.query(`RELEASE SAVEPOINT ${name}`);
      } else if (this.compat.sqliteConnection().inTransaction) {
        // SQLite may have rolled back already (a full disk, an interrupt).
        await this.query('ROLLBACK');
      }
    } finally {
      this.transactionDepth -= 1;
      if (this.transactionDepth === 0) this.endTransaction();
    }
    await this.broadcaster.broadcast('AfterTransactionRollback');
  }

  /** An open transaction left behind is rolled back: the connection must not stay taken. */
  override async release(): Promise<void> {
    if (this.isReleased) return;
    if (this.isTransactionActive && this.lease) {
      try {
        while (this.transactionDepth > 0) await this.rollbackTransaction();
      } catch {
        this.endTransaction();
      }
    }
    this.isReleased = true;
    await super.release();
  }

  /** Runs the callback inside this runner's transaction context (see SqliteEntityManager). */
  runInContext<T>(work: () => T): T {
    const lease = this.lease ?? this.outer;
    return lease ? this.compat.queue.runAs(lease, work) : work();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's QueryRunner.query answers any
  override async query(query: string, parameters: unknown[] = [], useStructuredResult = false): Promise<any> {
    if (this.isReleased) throw new QueryRunnerAlreadyReleasedError();
    if (parameters && !Array.isArray(parameters)) throw new TypeError('named parameters are not supported');
    const bound = this.compat.compat.bind(query, parameters);
    const logger = this.compat.dataSource.logger;
    logger.logQuery(bound.sql, bound.params, this);
    const mine =
      this.lease?.active === true || this.outer?.active === true || this.compat.queue.contextLease();
    if (mine) return this.execute(query, bound, useStructuredResult);
    const now = this.compat.queue.tryAcquire('statement');
    const lease = now ?? (await this.compat.queue.acquire('statement', false));
    try {
      return this.execute(query, bound, useStructuredResult);
    } finally {
      this.compat.queue.release(lease);
    }
  }

  private execute(query: string, bound: BoundSql, structured: boolean): unknown {
    const started = Date.now();
    let statement: Statement;
    try {
      statement = this.compat.prepare(bound.sql);
      const result = new QueryResult();
      if (statement.reader) {
        const rows = statement.all(...bound.params) as Array<Record<string, unknown>>;
        const convert = this.compat.converterOf(statement);
        for (const row of rows) convert(row);
        result.records = rows;
        result.raw = rows;
      } else {
        const run = statement.run(...bound.params);
        result.affected = Number(run.changes);
        // TypeORM's own inserts read the last rowid (AbstractSqliteDriver.createGeneratedMap).
        result.raw = structured ? Number(run.lastInsertRowid) : resultHeader(run, bound.verb);
      }
      const max = this.compat.options.maxQueryExecutionTime;
      const took = Date.now() - started;
      if (max && took > max) this.compat.dataSource.logger.logQuerySlow(took, bound.sql, bound.params, this);
      return structured ? result : result.raw;
    } catch (error) {
      const driverError = toMysqlError(error, bound.verb, bound.sql);
      this.compat.dataSource.logger.logQueryError(driverError, bound.sql, bound.params, this);
      throw new QueryFailedError(query, bound.params, driverError);
    }
  }

  private savepoint(depth: number): string {
    return `cf_${this.id}_${depth}`;
  }

  private endTransaction(): void {
    this.isTransactionActive = false;
    this.transactionDepth = 0;
    if (this.lease) this.compat.queue.release(this.lease);
    this.lease = undefined;
    this.outer = undefined;
  }
}
