import { expectRecord, SchemaError } from '@crawlflow/contracts';
import { TEXT_COLUMN_BYTES } from '@crawlflow/db';
import { JOB_TYPES, JobType } from '@crawlflow/engine';
import {
  optionalId,
  optionalInt,
  optionalObjectWithin,
  optionalOneOf,
  optionalString,
} from '../http/request-fields';

export const DEPENDENCY_TYPES = ['FINISH', 'SUCCESS'] as const;

/** What a client asks for when it starts a job: the API body or a trigger event. */
export interface JobRequest {
  workflowId?: string;
  workflowName?: string;
  targetId?: string;
  params?: Record<string, unknown>;
  priority?: number;
  jobType?: JobType;
  idempotencyKey?: string;
  dependsOn?: Array<{ jobId: string; dependencyType: (typeof DEPENDENCY_TYPES)[number] }>;
}

const JOB_FIELDS = ['target_id', 'params', 'priority', 'job_type', 'idempotency_key'] as const;

/**
 * Parses a job request. `workflow` says where the workflow may come from: the URL (none in the
 * body), `workflow_id` only (POST /api/jobs), or `workflow_id` / `workflow_name` (trigger events).
 * Unknown fields are refused, so a misspelt `idempotency_key` cannot silently start a second job.
 */
export function parseJobRequest(
  value: unknown,
  root: string,
  workflow: 'url' | 'id' | 'id-or-name',
  allowDependsOn: boolean,
): JobRequest {
  const body = expectRecord(value, root);
  const allowed: string[] = [...JOB_FIELDS];
  if (workflow !== 'url') allowed.push('workflow_id');
  if (workflow === 'id-or-name') allowed.push('workflow_name');
  if (allowDependsOn) allowed.push('depends_on');
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key))
      throw new SchemaError(`${root}.${key}`, `unknown field (allowed: ${allowed.join(', ')})`);
  }
  const request: JobRequest = {
    workflowId: optionalId(body, 'workflow_id', root),
    workflowName: optionalString(body, 'workflow_name', root, 100),
    targetId: optionalId(body, 'target_id', root),
    // crawling_jobs.params is a TEXT column.
    params: optionalObjectWithin(body, 'params', root, TEXT_COLUMN_BYTES),
    priority: optionalInt(body, 'priority', root, 1, 10),
    jobType: optionalOneOf(body, 'job_type', root, JOB_TYPES),
    idempotencyKey: optionalString(body, 'idempotency_key', root, 200),
  };
  if (workflow === 'id-or-name') {
    if (request.workflowId && request.workflowName) {
      throw new SchemaError(`${root}.workflow_name`, 'give workflow_id or workflow_name, not both');
    }
    if (!request.workflowId && !request.workflowName) {
      throw new SchemaError(`${root}.workflow_id`, 'required (or workflow_name)');
    }
  }
  if (body.depends_on !== undefined && body.depends_on !== null) {
    const path = `${root}.depends_on`;
    if (!Array.isArray(body.depends_on))
      throw new SchemaError(path, 'expected an array of {job_id, dependency_type}');
    request.dependsOn = body.depends_on.map((raw, index) => {
      const at = `${path}[${index}]`;
      const entry = expectRecord(raw, at);
      for (const key of Object.keys(entry)) {
        if (key !== 'job_id' && key !== 'dependency_type')
          throw new SchemaError(`${at}.${key}`, 'unknown field');
      }
      const jobId = optionalId(entry, 'job_id', at);
      if (!jobId) throw new SchemaError(`${at}.job_id`, 'required');
      return {
        jobId,
        dependencyType: optionalOneOf(entry, 'dependency_type', at, DEPENDENCY_TYPES) ?? 'SUCCESS',
      };
    });
  }
  return request;
}
