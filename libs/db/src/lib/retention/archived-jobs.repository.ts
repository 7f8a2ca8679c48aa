import { Db, managerOf, repositoryOf } from '../db';
import { CrawlingJobArchive } from '../entities/crawling-job-archive.entity';

/** Reads of crawling_jobs_archive: jobs that left the live tables keep their ids there. */
export class ArchivedJobsRepository {
  /** The archived job, or null (unknown id, or a job still in crawling_jobs). */
  static async findById(db: Db, id: string): Promise<CrawlingJobArchive | null> {
    return repositoryOf(db, CrawlingJobArchive).findOneBy({ id });
  }

  /**
   * The newest archived execution of the job, as its row (column name → value), or undefined.
   * workflow_executions_archive has no entity (docs/data-model.md), so the row comes back raw.
   */
  static async latestExecution(db: Db, jobId: string): Promise<Record<string, unknown> | undefined> {
    const row: Record<string, unknown> | undefined = await managerOf(db)
      .createQueryBuilder()
      .select('*')
      .from('workflow_executions_archive', 'e')
      .where('e.job_id = :jobId', { jobId })
      .orderBy('e.id', 'DESC')
      .limit(1)
      .getRawOne();
    return row;
  }
}
