import { MoreThan, MoreThanOrEqual } from 'typeorm';
import { Db, repositoryOf } from '../db';
import { CrawlingTask } from '../entities';

/** crawling_tasks as the API reads them (the ledger, TaskLedger, writes them). */
export class TasksRepository {
  /** The job's tasks by id after `afterId`; `limit` rows at most. */
  static async ofJob(
    db: Db,
    jobId: string,
    page: { afterId?: string; limit: number },
  ): Promise<CrawlingTask[]> {
    return repositoryOf(db, CrawlingTask).find({
      where: { jobId, ...(page.afterId !== undefined ? { id: MoreThan(page.afterId) } : {}) },
      order: { id: 'ASC' },
      take: page.limit,
    });
  }

  /** The highest step_order among the job's tasks (null: it has none). */
  static async lastStepOrder(db: Db, jobId: string): Promise<number | null> {
    const row: { step: number | null } | undefined = await repositoryOf(db, CrawlingTask)
      .createQueryBuilder('t')
      .select('MAX(t.step_order)', 'step')
      .where('t.job_id = :jobId', { jobId })
      .getRawOne();
    return row?.step ?? null;
  }

  /** The outputs of the job's SUCCESS tasks at a step, by id from `fromId` on; `limit` rows at most. */
  static async succeededOutputs(
    db: Db,
    query: { jobId: string; stepOrder: number; fromId: string; limit: number },
  ): Promise<Array<Pick<CrawlingTask, 'id' | 'outputData'>>> {
    return repositoryOf(db, CrawlingTask).find({
      where: {
        jobId: query.jobId,
        stepOrder: query.stepOrder,
        status: 'SUCCESS',
        id: MoreThanOrEqual(query.fromId),
      },
      select: { id: true, outputData: true },
      order: { id: 'ASC' },
      take: query.limit,
    });
  }
}
