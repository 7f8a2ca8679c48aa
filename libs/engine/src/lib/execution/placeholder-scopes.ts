import { jsonObjectOf, scalarText } from '@crawlflow/contracts';
import { CatalogLookups, JobsRepository, type CrawlSource, type CrawlTarget } from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import type { PlaceholderScopes } from './task-planner';

export interface ScopedJob {
  workflowId: string;
  targetId: string | null;
  params: string | null;
}

/** A target's columns as placeholders and conditions name them (`{url}`, `target.source_id`). */
export function targetColumns(target: CrawlTarget): Record<string, unknown> {
  return {
    id: target.id,
    source_id: target.sourceId,
    target_type_id: target.targetTypeId,
    url: target.url,
    name: target.name,
    created_at: target.createdAt,
    updated_at: target.updatedAt,
  };
}

function sourceColumns(source: CrawlSource): Record<string, unknown> {
  return {
    id: source.id,
    name: source.name,
    base_url: source.baseUrl,
    created_at: source.createdAt,
    updated_at: source.updatedAt,
  };
}

/**
 * The job a RETRY job retries, from its `params.retry_of` (retryJob writes the id). A value that is
 * no id (null, an object) names no job, as '0' does: ids start at 1.
 */
export function retriedJobId(retryOf: unknown): string {
  return scalarText(retryOf) ?? '0';
}

/**
 * Placeholder values: the job's params, then its target's columns, then the workflow's source. A
 * RETRY job runs with the params of the job it retries. Read when a job starts and whenever an
 * orchestrator needs them again (they are not kept in the execution context, which is TEXT).
 */
export async function loadScopes(manager: EntityManager, job: ScopedJob): Promise<PlaceholderScopes> {
  let params = jsonObjectOf(job.params);
  if (params.retry_of !== undefined) params = await retriedParams(manager, retriedJobId(params.retry_of));
  let target: Record<string, unknown> = {};
  if (job.targetId) {
    const view = await CatalogLookups.target(manager, job.targetId);
    if (view) {
      const columns = targetColumns(view.target);
      target = {
        ...(view.target.attributes ?? {}),
        ...columns,
        target_id: view.target.id,
        target_url: view.target.url,
      };
    }
  }
  const source = await CatalogLookups.sourceOfWorkflow(manager, job.workflowId);
  return { params, target, source: source ? { ...sourceColumns(source), source_id: source.id } : {} };
}

async function retriedParams(manager: EntityManager, jobId: string): Promise<Record<string, unknown>> {
  const params = jsonObjectOf((await JobsRepository.params(manager, jobId)) ?? null);
  // A retry of a retry: the params of the first job.
  return params.retry_of !== undefined ? retriedParams(manager, retriedJobId(params.retry_of)) : params;
}
