import { parseStagePayload, type FetchTaskOutput, type TaskMessage } from '@crawlflow/contracts';
import type { Fetcher } from '@crawlflow/crawl';
import { UrlValidators } from '@crawlflow/db';
import type { TaskOutput } from '@crawlflow/transport';
import type { DataSource } from 'typeorm';
import { findPageOfTask, savePage } from './page-store';

/**
 * FETCH: one URL through the guarded, polite fetcher. The body goes to crawl_pages for its PARSE
 * task; INCREMENTAL jobs ask conditionally and report a 304 as not modified. The page's validators
 * travel on with it (output.source): the orchestrator keeps them only once what follows succeeded.
 */
export function fetchStep(
  dataSource: DataSource,
  fetcher: Fetcher,
): (task: TaskMessage) => Promise<TaskOutput> {
  return async (task) => {
    const payload = parseStagePayload('fetch', task.payload);
    // Another copy of this task (a re-dispatch whose first result is not applied yet) fetched it.
    // A first dispatch has no earlier copy but a redelivery after its worker died; that one fetches
    // again, and the insert keeps the page stored first (one page per task).
    const earlier = task.attempt > 1 ? await findPageOfTask(dataSource, task.task_id) : undefined;
    if (earlier) {
      const output: FetchTaskOutput = {
        url: earlier.url,
        status: earlier.status,
        page_id: earlier.id,
        not_modified: false,
        bytes: earlier.bytes,
        ...(payload.parent ? { parent: payload.parent } : {}),
        // The first copy's validators are not kept: the next run fetches this page in full.
        source: { url: payload.url, fetched_at: earlier.fetchedAt },
      };
      return { output };
    }
    const stored = payload.conditional
      ? await UrlValidators.read(dataSource, payload.workflow_id, payload.url)
      : undefined;
    // A list page's 304 is only of use when its records, from this workflow version's parse, are
    // kept to plan its detail pages from.
    const reusable =
      !payload.fans_out ||
      (stored?.hasRecords === true && stored.recordsVersion === payload.workflow_version);
    const conditional = stored && reusable ? stored : undefined;
    const page = await fetcher.fetchPage({
      url: payload.url,
      ...(payload.options.headers ? { headers: payload.options.headers } : {}),
      ...(conditional
        ? {
            conditional: {
              ...(conditional.etag ? { etag: conditional.etag } : {}),
              ...(conditional.lastModified ? { lastModified: conditional.lastModified } : {}),
            },
          }
        : {}),
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
    const validators = {
      ...(page.etag ? { etag: page.etag.slice(0, 500) } : {}),
      ...(page.lastModified ? { last_modified: page.lastModified.slice(0, 100) } : {}),
    };
    const output: FetchTaskOutput = {
      url: page.url,
      status: page.status,
      not_modified: page.notModified,
      bytes: page.body.length,
      ...(payload.parent ? { parent: payload.parent } : {}),
      source: { url: payload.url, ...validators },
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
      output.source = { url: payload.url, fetched_at: saved.fetchedAt, ...validators };
    }
    return { output };
  };
}
