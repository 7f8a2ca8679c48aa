import { MoreThan } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import { CrawledItem } from '../entities';
import { toSqlTimestamp } from '../ledger/sql-values';

export interface StoredItem {
  hash: string;
  /** 'YYYY-MM-DD HH:MM:SS.mmm', or null for data stored before fetch times were kept. */
  fetchedAt: string | null;
}

export interface ItemRow {
  key: string;
  data: string;
  hash: string;
  /** When the page behind the record was fetched (database time), or null when unknown. */
  fetchedAt: string | null;
}

/** crawled_items: stored results, one per (workflow_id, item_key), upserted by STORE tasks. */
export class ItemsRepository {
  /** Whether the job wrote any item (it is the last writer of at least one). */
  static async anyOfJob(db: Db, jobId: string): Promise<boolean> {
    return repositoryOf(db, CrawledItem).existsBy({ jobId });
  }

  /** The items of the workflow the job last wrote, by id after `afterId`; `limit` rows at most. */
  static async ofJob(
    db: Db,
    query: { jobId: string; workflowId: string; afterId?: string; limit: number },
  ): Promise<CrawledItem[]> {
    return repositoryOf(db, CrawledItem).find({
      where: {
        jobId: query.jobId,
        workflowId: query.workflowId,
        ...(query.afterId !== undefined ? { id: MoreThan(query.afterId) } : {}),
      },
      order: { id: 'ASC' },
      take: query.limit,
    });
  }

  /** The stored hash and fetch time of each key (as item_key compares, trailing spaces aside). */
  static async stored(db: Db, workflowId: string, keys: readonly string[]): Promise<Map<string, StoredItem>> {
    if (keys.length === 0) return new Map();
    // SQL: the IN list must compare with item_key's own collation (utf8mb4_bin).
    const rows: Array<{ item_key: string; content_hash: string; fetched_at: Date | null }> = await managerOf(
      db,
    ).query(
      `SELECT item_key, content_hash, fetched_at FROM crawled_items WHERE workflow_id = ? AND item_key IN (${keys
        .map(() => '?')
        .join(', ')})`,
      [workflowId, ...keys],
    );
    return new Map(
      rows.map((row) => [
        row.item_key,
        { hash: row.content_hash, fetchedAt: row.fetched_at ? toSqlTimestamp(row.fetched_at) : null },
      ]),
    );
  }

  /**
   * One multi-row upsert: a new key is inserted; a known one takes the data only if it comes from a
   * fetch no older than the stored one's (unknown times count as new) and its hash differs; only
   * last_seen_at moves otherwise. MySQL evaluates the assignments left to right, so content_hash
   * and fetched_at are assigned last, after the comparisons that read them. SQL: ON DUPLICATE KEY
   * UPDATE with conditions, on the hot path. `VALUES(col)` runs on MariaDB (no row alias) and MySQL 8
   * (deprecated there, with a warning).
   */
  static async upsert(
    db: Db,
    input: { workflowId: string; jobId: string; now: string },
    rows: readonly ItemRow[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const params: unknown[] = [];
    const tuples = rows.map((row) => {
      params.push(
        input.workflowId,
        input.jobId,
        row.key,
        row.data,
        row.hash,
        input.now,
        input.now,
        input.now,
        row.fetchedAt,
      );
      return '(?, ?, ?, ?, ?, ?, ?, ?, ?)';
    });
    const newer = '(fetched_at IS NULL OR VALUES(fetched_at) IS NULL OR VALUES(fetched_at) >= fetched_at)';
    await managerOf(db).query(
      `INSERT INTO crawled_items
         (workflow_id, job_id, item_key, data, content_hash, first_seen_at, last_seen_at, changed_at, fetched_at)
       VALUES ${tuples.join(', ')}
       ON DUPLICATE KEY UPDATE
         changed_at = IF(${newer} AND content_hash <> VALUES(content_hash), VALUES(changed_at), changed_at),
         data = IF(${newer} AND content_hash <> VALUES(content_hash), VALUES(data), data),
         last_seen_at = GREATEST(last_seen_at, VALUES(last_seen_at)),
         job_id = IF(${newer}, VALUES(job_id), job_id),
         content_hash = IF(${newer}, VALUES(content_hash), content_hash),
         fetched_at = IF(${newer}, VALUES(fetched_at), fetched_at)`,
      params,
    );
  }
}
