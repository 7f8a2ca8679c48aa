import { Db, managerOf } from '../db';
import { dialectOf } from '../dialect';

/** One partition of crawling_queues as information_schema describes it. */
export interface QueuePartitionInfo {
  name: string | null;
  method: string | null;
  expression: string | null;
  /** The bound: epoch seconds for RANGE partitions, `MAXVALUE` for the last. */
  description: string | null;
}

export interface PartitionBound {
  name: string;
  /** Exclusive upper bound in epoch seconds. */
  bound: number;
}

/** Names go into DDL as identifiers, so only plain ones are accepted. */
const SAFE_NAME = /^[A-Za-z0-9_]{1,64}$/;

function identifier(name: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`unsafe partition name ${name}`);
  return `\`${name}\``;
}

/** The one connection a session setting or a run of DDL must stay on. */
function connectionOf(db: Db): ReturnType<typeof managerOf> {
  if (dialectOf(db) === 'sqlite') throw new Error('crawling_queues has no partitions on SQLite');
  const manager = managerOf(db);
  if (!manager.queryRunner) throw new Error('partition maintenance needs a dedicated connection');
  return manager;
}

/**
 * The daily partitions of the crawling_queues ledger. All of it is SQL: partitions are MySQL's, and
 * TypeORM neither reads nor changes them.
 */
export class QueuePartitionsRepository {
  /** The partitions in order; a table without partitioning answers one row with a null name. */
  static async list(db: Db): Promise<QueuePartitionInfo[]> {
    // SQLite partitions nothing: the ledger is one table, as an unpartitioned MySQL table answers.
    if (dialectOf(db) === 'sqlite')
      return [{ name: null, method: null, expression: null, description: null }];
    const rows: Array<{
      PARTITION_NAME: string | null;
      PARTITION_METHOD: string | null;
      PARTITION_EXPRESSION: string | null;
      PARTITION_DESCRIPTION: string | null;
    }> = await managerOf(db).query(
      `SELECT PARTITION_NAME, PARTITION_METHOD, PARTITION_EXPRESSION, PARTITION_DESCRIPTION
         FROM information_schema.PARTITIONS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'crawling_queues'
        ORDER BY PARTITION_ORDINAL_POSITION`,
    );
    return rows.map((row) => ({
      name: row.PARTITION_NAME,
      method: row.PARTITION_METHOD,
      expression: row.PARTITION_EXPRESSION,
      description: row.PARTITION_DESCRIPTION,
    }));
  }

  /** Live (WAITING / PROCESSING) entries in one partition, counted up to `cap`. */
  static async countLiveEntries(db: Db, partition: string, cap: number): Promise<number> {
    if (dialectOf(db) === 'sqlite') throw new Error('crawling_queues has no partitions on SQLite');
    const [row] = await managerOf(db).query<Array<{ n: string | number }>>(
      `SELECT COUNT(*) AS n FROM (
         SELECT 1 FROM crawling_queues PARTITION (${identifier(partition)})
          WHERE status IN ('WAITING', 'PROCESSING') LIMIT ?) live`,
      [cap],
    );
    // COUNT(*) is a BIGINT: mysql2 answers it as a string.
    return Number(row.n);
  }

  /** Splits `add` (ascending) off the MAXVALUE partition `future` in one REORGANIZE, keeping `future` last. */
  static async splitOff(db: Db, future: string, add: readonly PartitionBound[]): Promise<void> {
    if (add.length === 0) return;
    const parts = add.map((p) => {
      if (!Number.isInteger(p.bound)) throw new Error(`partition ${p.name} has bound ${p.bound}`);
      return `PARTITION ${identifier(p.name)} VALUES LESS THAN (${p.bound})`;
    });
    await connectionOf(db).query(
      `ALTER TABLE crawling_queues REORGANIZE PARTITION ${identifier(future)} INTO (
    ${[...parts, `PARTITION ${identifier(future)} VALUES LESS THAN MAXVALUE`].join(',\n    ')})`,
    );
  }

  static async drop(db: Db, partition: string): Promise<void> {
    await connectionOf(db).query(`ALTER TABLE crawling_queues DROP PARTITION ${identifier(partition)}`);
  }

  /**
   * Runs `work` with DDL waiting at most `seconds` for the table's metadata lock, so an ALTER never
   * stalls the relay queued behind it. The session setting is put back afterwards.
   */
  static async withLockWait<T>(db: Db, seconds: number, work: () => Promise<T>): Promise<T> {
    if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`invalid lock wait ${seconds}`);
    const connection = connectionOf(db);
    await connection.query(`SET SESSION lock_wait_timeout = ${seconds}`);
    try {
      return await work();
    } finally {
      await connection.query('SET SESSION lock_wait_timeout = DEFAULT');
    }
  }

  /**
   * SQLite, which has no partitions: deletes up to `limit` finished entries created before
   * `cutoff`, oldest first; answers how many went.
   */
  static async deleteFinishedBefore(db: Db, cutoff: Date, limit: number): Promise<number> {
    const result = await managerOf(db).query<{ affectedRows?: number }>(
      `DELETE FROM crawling_queues WHERE id IN (
         SELECT id FROM crawling_queues
          WHERE status IN ('COMPLETED', 'FAILED') AND created_at < ?
          ORDER BY id LIMIT ?)`,
      [cutoff, limit],
    );
    return Number(result.affectedRows ?? 0);
  }
}
