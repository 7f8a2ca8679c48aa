import { jsonObjectOf } from '@crawlflow/contracts';
import type { EntityManager } from 'typeorm';
import type { PlaceholderScopes } from './task-planner';

export interface ScopedJob {
  workflow_id: string;
  target_id: string | null;
  params: string | null;
}

/**
 * Placeholder values: the job's params, then its target's columns, then the workflow's source. A
 * RETRY job runs with the params of the job it retries. Read when a job starts and whenever an
 * orchestrator needs them again (they are not kept in the execution context, which is TEXT).
 */
export async function loadScopes(manager: EntityManager, job: ScopedJob): Promise<PlaceholderScopes> {
  let params = jsonObjectOf(job.params);
  if (params.retry_of !== undefined) params = await retriedParams(manager, String(params.retry_of));
  let target: Record<string, unknown> = {};
  if (job.target_id) {
    const [row] = (await manager.query('SELECT * FROM crawl_targets WHERE id = ?', [job.target_id])) as Array<
      Record<string, unknown>
    >;
    if (row) {
      const attributes = typeof row.attributes === 'string' ? jsonObjectOf(row.attributes) : {};
      target = { ...attributes, ...row, target_id: String(row.id), target_url: row.url };
      delete target.attributes;
    }
  }
  const [source] = (await manager.query(
    `SELECT s.* FROM crawl_sources s JOIN crawling_workflows w ON w.source_id = s.id WHERE w.id = ?`,
    [job.workflow_id],
  )) as Array<Record<string, unknown>>;
  return { params, target, source: source ? { ...source, source_id: String(source.id) } : {} };
}

async function retriedParams(manager: EntityManager, jobId: string): Promise<Record<string, unknown>> {
  const [row] = (await manager.query(
    'SELECT params FROM crawling_jobs WHERE id = ? UNION ALL SELECT params FROM crawling_jobs_archive WHERE id = ?',
    [jobId, jobId],
  )) as Array<{ params: string | null }>;
  const params = jsonObjectOf(row?.params ?? null);
  // A retry of a retry: the params of the first job.
  return params.retry_of !== undefined ? retriedParams(manager, String(params.retry_of)) : params;
}
