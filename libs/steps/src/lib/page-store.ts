import { permanent } from '@crawlflow/contracts';
import { PagesRepository, type SavedPage, type StoredPage } from '@crawlflow/db';
import type { DataSource } from 'typeorm';

export type { SavedPage, StoredPage } from '@crawlflow/db';

/**
 * Fetched bodies wait in crawl_pages (gzip) for their PARSE task, which gets only the row id: pages
 * never pass through the ledger's TEXT payloads or the broker (docs/adr/0005). Only a running job
 * keeps pages (see PagesRepository.saveWhileRunning).
 */
export async function savePage(
  dataSource: DataSource,
  page: { jobId: string; taskId: string; url: string; status: number; contentType: string; text: string },
): Promise<SavedPage> {
  const saved = await PagesRepository.saveWhileRunning(dataSource, page);
  if (!saved) throw permanent(`job ${page.jobId} has ended: the page is not kept`, 'JOB_ENDED');
  return saved;
}

/** The page a FETCH task already stored, if a copy of it ran before. */
export function findPageOfTask(dataSource: DataSource, taskId: string): Promise<SavedPage | undefined> {
  return PagesRepository.ofTask(dataSource, taskId);
}

export async function loadPage(dataSource: DataSource, pageId: string): Promise<StoredPage> {
  const page = await PagesRepository.load(dataSource, pageId);
  if (!page) throw permanent(`page ${pageId} is no longer stored (its job ended?)`, 'PAGE_GONE');
  return page;
}
