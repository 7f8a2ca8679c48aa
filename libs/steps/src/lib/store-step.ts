import { parseStagePayload, permanent, type StoreTaskOutput, type TaskMessage } from '@crawlflow/contracts';
import { storeItems } from '@crawlflow/crawl';
import { JobsRepository } from '@crawlflow/db';
import type { TaskOutput } from '@crawlflow/transport';
import type { DataSource } from 'typeorm';

/** STORE: idempotent upserts of a batch of records into crawled_items by the step's key. */
export function storeStep(dataSource: DataSource): (task: TaskMessage) => Promise<TaskOutput> {
  return async (task) => {
    const payload = parseStagePayload('store', task.payload);
    const result = await dataSource.transaction(async (manager) => {
      const stored = await storeItems(manager, {
        workflowId: payload.workflow_id,
        jobId: task.job_id,
        key: payload.key,
        records: payload.records,
        ...(payload.ctx.source?.fetched_at ? { fetchedAt: payload.ctx.source.fetched_at } : {}),
        ...(payload.ctx.pages
          ? {
              pages: payload.ctx.pages.map((page) => ({
                records: page.records,
                ...(page.source?.fetched_at ? { fetchedAt: page.source.fetched_at } : {}),
              })),
            }
          : {}),
      });
      // Only now, just before the commit, the job's status under a shared lock: a cancel (which
      // locks the job) comes wholly before these writes (they roll back) or after them, and the
      // lock is held for moments, not for the upserts.
      const status = await JobsRepository.statusShared(manager, task.job_id);
      if (status !== 'RUNNING')
        throw permanent(`job ${task.job_id} is ${status ?? 'gone'}: nothing stored`, 'JOB_ENDED');
      return stored;
    });
    const output: StoreTaskOutput = {
      inserted: result.inserted,
      updated: result.updated,
      unchanged: result.unchanged,
      skipped: result.skipped,
      ...(result.skipReasons.length > 0 ? { skipped_reasons: result.skipReasons } : {}),
      ...(result.lastKey !== undefined ? { last_key: result.lastKey.slice(0, 255) } : {}),
    };
    return { output };
  };
}
