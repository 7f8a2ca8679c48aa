import { Db, managerOf } from '../db';

/** Ages in whole seconds by the database's clock; 0 when there is no such row. */
export interface OldestLiveRowAges {
  /** The oldest WAITING / PROCESSING ledger entry. */
  queueEntrySeconds: number;
  /** The oldest job still in crawling_jobs (not yet archived). */
  jobSeconds: number;
}

/** What the retention metrics measure. */
export class RetentionMetricsRepository {
  /** SQL: the age is taken by the database's clock with its own date arithmetic (TIMESTAMPDIFF). */
  static async oldestLiveRowAges(db: Db): Promise<OldestLiveRowAges> {
    const manager = managerOf(db);
    const [queues] = await manager.query<Array<{ age: string | number | null }>>(
      `SELECT GREATEST(0, TIMESTAMPDIFF(SECOND, MIN(created_at), NOW(3))) AS age
         FROM crawling_queues WHERE status IN ('WAITING', 'PROCESSING')`,
    );
    const [jobs] = await manager.query<Array<{ age: string | number | null }>>(
      'SELECT GREATEST(0, TIMESTAMPDIFF(SECOND, MIN(created_at), NOW(3))) AS age FROM crawling_jobs',
    );
    // TIMESTAMPDIFF is a BIGINT (a string from mysql2), NULL over no rows.
    return { queueEntrySeconds: Number(queues.age ?? 0), jobSeconds: Number(jobs.age ?? 0) };
  }
}
