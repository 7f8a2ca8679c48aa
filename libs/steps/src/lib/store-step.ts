import type { StoreTaskOutput, TaskMessage } from '@crawlflow/contracts';
import { parseStagePayload, permanent } from '@crawlflow/contracts';
import { storeItems } from '@crawlflow/crawl';
import type { TaskOutput } from '@crawlflow/transport';
import type { DataSource } from 'typeorm';

/** STORE: idempotent upserts of a batch of records into crawled_items by the step's key. */
export function storeStep(dataSource: DataSource): (task: TaskMessage) => Promise<TaskOutput> {
  return async (task) => {
    const payload = parseStagePayload('store', task.payload);
    const result = await dataSource.transaction('READ COMMITTED', async (manager) => {
      // Under a shared lock on the job: a cancel (which locks it) either comes after these writes or
      // before them, and then nothing is written.
      const [job] = (await manager.query('SELECT status FROM crawling_jobs WHERE id = ? LOCK IN SHARE MODE', [
        task.job_id,
      ])) as Array<{ status: string }>;
      if (job?.status !== 'RUNNING')
        throw permanent(`job ${task.job_id} is ${job?.status ?? 'gone'}: nothing stored`, 'JOB_ENDED');
      return storeItems(manager, {
        workflowId: payload.workflow_id,
        jobId: task.job_id,
        key: payload.key,
        records: payload.records,
        ...(payload.ctx.source?.fetched_at ? { fetchedAt: payload.ctx.source.fetched_at } : {}),
      });
    });
    const output: StoreTaskOutput = {
      inserted: result.inserted,
      updated: result.updated,
      unchanged: result.unchanged,
      skipped: result.skipped,
      ...(result.skipReasons.length > 0 ? { skipped_reasons: result.skipReasons } : {}),
    };
    return { output };
  };
}
