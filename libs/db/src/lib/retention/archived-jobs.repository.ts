import { Db, repositoryOf } from '../db';
import { CrawlingJobArchive } from '../entities/crawling-job-archive.entity';

/** Reads of crawling_jobs_archive: jobs that left the live tables keep their ids there. */
export class ArchivedJobsRepository {
  /** The archived job, or null (unknown id, or a job still in crawling_jobs). */
  static async findById(db: Db, id: string): Promise<CrawlingJobArchive | null> {
    return repositoryOf(db, CrawlingJobArchive).findOneBy({ id });
  }
}
