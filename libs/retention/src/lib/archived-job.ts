import type { DataSource, EntityManager } from 'typeorm';

/** A crawling_jobs_archive row as the API shows it: the job's columns, `archived_at`, `archived: true`. */
export type ArchivedJobRow = Record<string, unknown> & { id: string; archived: true; archived_at: Date };

/**
 * The archived job with this id, or undefined (unknown id, or a live job: look in crawling_jobs
 * first, as a job is in exactly one of the two tables after every commit).
 */
export async function findArchivedJob(
  db: DataSource | EntityManager,
  id: string | number,
): Promise<ArchivedJobRow | undefined> {
  if (!/^\d{1,19}$/.test(String(id))) return undefined;
  const rows: Array<Record<string, unknown>> = await db.query(
    'SELECT * FROM crawling_jobs_archive WHERE id = ?',
    [String(id)],
  );
  if (rows.length === 0) return undefined;
  const row = rows[0];
  return { ...row, id: String(row.id), archived: true } as ArchivedJobRow;
}
