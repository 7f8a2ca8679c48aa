import { gunzipSync, gzipSync } from 'node:zlib';
import { In } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import { CrawlPage } from '../entities';
import { toSqlTimestamp } from '../ledger/sql-values';

export interface SavedPage {
  id: string;
  url: string;
  status: number;
  bytes: number;
  /** When it was stored (database time, 'YYYY-MM-DD HH:MM:SS.mmm'). */
  fetchedAt: string;
}

export interface StoredPage {
  url: string;
  status: number;
  /** When it was stored, i.e. fetched (ISO 8601). */
  fetchedAt: string;
  contentType: string;
  text: string;
}

/**
 * crawl_pages: fetched bodies (gzip) waiting for their PARSE task, which gets only the row id; one
 * per FETCH task, so a second copy of the task keeps the page the first one stored.
 */
export class PagesRepository {
  /**
   * Stores the page if its job still runs. The insert reads the job's status under a shared lock,
   * so it lands either before a cancel (which then deletes the job's pages) or not at all. Returns
   * the page of the task (undefined: the job has ended).
   * SQL: INSERT … SELECT with a lock on the job row, in one statement.
   */
  static async saveWhileRunning(
    db: Db,
    page: { jobId: string; taskId: string; url: string; status: number; contentType: string; text: string },
  ): Promise<SavedPage | undefined> {
    const body = Buffer.from(page.text, 'utf8');
    await managerOf(db).query(
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
    return PagesRepository.ofTask(db, page.taskId);
  }

  /** The page a FETCH task already stored, if a copy of it ran before. */
  static async ofTask(db: Db, taskId: string): Promise<SavedPage | undefined> {
    const page = await repositoryOf(db, CrawlPage).findOne({
      where: { taskId },
      select: { id: true, url: true, status: true, bodyBytes: true, createdAt: true },
    });
    return page
      ? {
          id: page.id,
          url: page.url,
          status: page.status,
          bytes: page.bodyBytes,
          fetchedAt: toSqlTimestamp(page.createdAt),
        }
      : undefined;
  }

  static async load(db: Db, pageId: string): Promise<StoredPage | undefined> {
    const page = await repositoryOf(db, CrawlPage).findOne({
      where: { id: pageId },
      select: { id: true, url: true, status: true, createdAt: true, contentType: true, bodyGzip: true },
    });
    return page
      ? {
          url: page.url,
          status: page.status,
          fetchedAt: page.createdAt.toISOString(),
          contentType: page.contentType ?? '',
          text: gunzipSync(page.bodyGzip).toString('utf8'),
        }
      : undefined;
  }

  static async delete(db: Db, pageIds: readonly string[]): Promise<void> {
    if (pageIds.length > 0) await repositoryOf(db, CrawlPage).delete({ id: In([...pageIds]) });
  }

  static async deleteOfJob(db: Db, jobId: string): Promise<void> {
    await repositoryOf(db, CrawlPage).delete({ jobId });
  }
}
