import type { FetchTaskOutput, FetchTaskPayload, TaskMessage } from '@crawlflow/contracts';
import type { Fetcher } from '@crawlflow/crawl';
import type { TaskOutput } from '@crawlflow/transport';
import type { DataSource } from 'typeorm';
import { findPageOfTask, savePage } from './page-store';
import { readValidators, saveValidators } from './url-validators';

/**
 * FETCH: one URL through the guarded, polite fetcher. The body goes to crawl_pages for its PARSE
 * task; INCREMENTAL jobs ask conditionally and report a 304 as not modified.
 */
export function fetchStep(
  dataSource: DataSource,
  fetcher: Fetcher,
): (task: TaskMessage) => Promise<TaskOutput> {
  return async (task) => {
    const payload = task.payload as unknown as FetchTaskPayload;
    // Another copy of this task (a re-dispatch whose first result is not applied yet) fetched it.
    const earlier = await findPageOfTask(dataSource, task.task_id);
    if (earlier) {
      const output: FetchTaskOutput = {
        url: earlier.url,
        status: earlier.status,
        page_id: earlier.id,
        not_modified: false,
        bytes: earlier.bytes,
        ...(payload.parent ? { parent: payload.parent } : {}),
      };
      return { output: output as unknown as Record<string, unknown> };
    }
    const conditional = payload.conditional
      ? await readValidators(dataSource, payload.workflow_id, payload.url)
      : undefined;
    const page = await fetcher.fetchPage({
      url: payload.url,
      ...(payload.options.headers ? { headers: payload.options.headers } : {}),
      ...(conditional ? { conditional } : {}),
      ...(payload.options.host_concurrency !== undefined
        ? { hostConcurrency: payload.options.host_concurrency }
        : {}),
      ...(payload.options.host_delay_ms !== undefined ? { hostDelayMs: payload.options.host_delay_ms } : {}),
      ...(payload.options.respect_robots !== undefined
        ? { respectRobots: payload.options.respect_robots }
        : {}),
      ...(payload.options.timeout_ms !== undefined ? { timeoutMs: payload.options.timeout_ms } : {}),
      ...(payload.options.max_bytes !== undefined ? { maxBytes: payload.options.max_bytes } : {}),
    });
    const output: FetchTaskOutput = {
      url: page.url,
      status: page.status,
      not_modified: page.notModified,
      bytes: page.body.length,
      ...(payload.parent ? { parent: payload.parent } : {}),
    };
    if (!page.notModified) {
      const saved = await savePage(dataSource, {
        jobId: task.job_id,
        taskId: task.task_id,
        url: page.url,
        status: page.status,
        contentType: page.contentType,
        text: page.text,
      });
      output.page_id = saved.id;
      await saveValidators(dataSource, payload.workflow_id, payload.url, {
        ...(page.etag ? { etag: page.etag } : {}),
        ...(page.lastModified ? { lastModified: page.lastModified } : {}),
      });
    }
    return { output: output as unknown as Record<string, unknown> };
  };
}
