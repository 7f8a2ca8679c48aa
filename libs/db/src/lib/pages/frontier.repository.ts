import { In } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import { CrawlFrontierEntry } from '../entities';

/** crawl_frontier: the URLs a site crawl admitted, unique per job (each fetched once). */
export class FrontierRepository {
  /** Which of these URL hashes the job has seen. */
  static async seen(db: Db, jobId: string, hashes: readonly string[]): Promise<Set<string>> {
    if (hashes.length === 0) return new Set();
    const rows = await repositoryOf(db, CrawlFrontierEntry).find({
      where: { jobId, urlHash: In([...hashes]) },
      select: { urlHash: true },
    });
    return new Set(rows.map((row) => row.urlHash));
  }

  /** Admits URLs; one another batch admitted meanwhile stays as it was. SQL: INSERT IGNORE. */
  static async admit(
    db: Db,
    jobId: string,
    links: ReadonlyArray<{ hash: string; url: string; depth: number }>,
  ): Promise<void> {
    if (links.length === 0) return;
    await managerOf(db).query('INSERT IGNORE INTO crawl_frontier (job_id, url_hash, url, depth) VALUES ?', [
      links.map((link) => [jobId, link.hash, link.url.slice(0, 2000), link.depth]),
    ]);
  }
}
