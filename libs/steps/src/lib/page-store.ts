import { gunzipSync, gzipSync } from 'node:zlib';
import { permanent } from '@crawlflow/contracts';
import { toSqlTimestamp } from '@crawlflow/db';
import type { DataSource } from 'typeorm';

/**
 * Fetched bodies wait in crawl_pages (gzip) for their PARSE task, which gets only the row id: pages
 * never pass through the ledger's TEXT payloads or the broker (docs/adr/0005).
 */
export interface SavedPage {
  id: string;
  url: string;
  status: number;
  bytes: number;
  /** When it was stored (database time, 'YYYY-MM-DD HH:MM:SS.mmm'). */
  fetchedAt: string;
}

/**
 * One page per FETCH task: a second copy of the task keeps the page the first one stored. Only a
 * running job keeps pages: the insert reads the job's status under a shared lock, so it either
 * lands before a cancel (which then deletes the job's pages) or sees the job ended and keeps none.
 */
export async function savePage(
  dataSource: DataSource,
  page: { jobId: string; taskId: string; url: string; status: number; contentType: string; text: string },
): Promise<SavedPage> {
  const body = Buffer.from(page.text, 'utf8');
  const inserted: { affectedRows: number } = await dataSource.query(
    `INSERT INTO crawl_pages (job_id, task_id, url, status, content_type, body_gzip, body_bytes)
     SELECT id, ?, ?, ?, ?, ?, ? FROM crawling_jobs WHERE id = ? AND status = 'RUNNING' LOCK IN SHARE MODE
     ON DUPLICATE KEY UPDATE id = crawl_pages.id`,
    [
      page.taskId,
      page.url.slice(0, 2000),
      page.status,
      page.contentType.slice(0, 200) || null,
      gzipSync(body),
      body.length,
      page.jobId,
    ],
  );
  const saved = await findPageOfTask(dataSource, page.taskId);
  if (!saved) {
    if (inserted.affectedRows === 0)
      throw permanent(`job ${page.jobId} has ended: the page is not kept`, 'JOB_ENDED');
    throw new Error(`page of task ${page.taskId} not stored`);
  }
  return saved;
}

/** The page a FETCH task already stored, if a copy of it ran before. */
export async function findPageOfTask(dataSource: DataSource, taskId: string): Promise<SavedPage | undefined> {
  const [row] = (await dataSource.query(
    'SELECT id, url, status, body_bytes, created_at FROM crawl_pages WHERE task_id = ?',
    [taskId],
  )) as Array<{
    id: string;
    url: string;
    status: number;
    body_bytes: number;
    created_at: Date;
  }>;
  return row
    ? {
        id: String(row.id),
        url: row.url,
        status: Number(row.status),
        bytes: Number(row.body_bytes),
        fetchedAt: toSqlTimestamp(row.created_at),
      }
    : undefined;
}

export interface StoredPage {
  url: string;
  contentType: string;
  text: string;
}

export async function loadPage(dataSource: DataSource, pageId: string): Promise<StoredPage> {
  const [row] = (await dataSource.query('SELECT url, content_type, body_gzip FROM crawl_pages WHERE id = ?', [
    pageId,
  ])) as Array<{
    url: string;
    content_type: string | null;
    body_gzip: Buffer;
  }>;
  if (!row) throw permanent(`page ${pageId} is no longer stored (its job ended?)`, 'PAGE_GONE');
  return {
    url: row.url,
    contentType: row.content_type ?? '',
    text: gunzipSync(row.body_gzip).toString('utf8'),
  };
}
