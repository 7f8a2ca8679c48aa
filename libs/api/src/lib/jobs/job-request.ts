import { fieldTable, FieldTable, SchemaError } from '@crawlflow/contracts';
import { TEXT_COLUMN_BYTES } from '@crawlflow/db';
import { JOB_TYPES, JobType } from '@crawlflow/engine';
import { parseFields } from '../http/field-table';

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

/** The fields every job request takes; where the workflow comes from adds its own (JOB_BODIES). */
const JOB_FIELDS = fieldTable({
  target_id: { type: 'id' },
  // crawling_jobs.params is a TEXT column.
  params: {
    type: 'object',
    maxBytes: TEXT_COLUMN_BYTES,
    description: 'placeholder values, e.g. {"base_url": "https://shop.example"}',
  },
  priority: { type: 'integer', minimum: 1, maximum: 10, default: 5 },
  job_type: {
    type: 'enum',
    values: JOB_TYPES,
    description: "default: the workflow's (INCREMENTAL for an INCREMENTAL workflow, else FULL)",
  },
  idempotency_key: {
    type: 'string',
    maxLength: 200,
    description: 'a repeated key answers the existing job',
  },
});

const WORKFLOW_ID = { type: 'id' } as const;
const WORKFLOW_NAME = { type: 'string', maxLength: 100 } as const;
const DEPENDS_ON = {
  type: 'array',
  description: 'jobs this one waits for: FINISH (any end) or SUCCESS (cancelled if that job fails)',
  items: fieldTable({
    job_id: { type: 'id', required: true },
    dependency_type: { type: 'enum', values: DEPENDENCY_TYPES, default: 'SUCCESS' },
  }),
} as const;

/**
 * One table per way a job is asked for: `POST /api/workflows/:id/jobs` (the workflow in the URL),
 * `POST /api/jobs` (workflow_id, else the target's mappings pick one) and trigger events
 * (workflow_id or workflow_name, no dependencies).
 */
export const JOB_BODIES = {
  url: fieldTable({ ...JOB_FIELDS, depends_on: DEPENDS_ON }),
  id: fieldTable({
    ...JOB_FIELDS,
    target_id: { ...JOB_FIELDS.target_id, required: true },
    workflow_id: WORKFLOW_ID,
    depends_on: DEPENDS_ON,
  }),
  event: fieldTable({ ...JOB_FIELDS, workflow_id: WORKFLOW_ID, workflow_name: WORKFLOW_NAME }),
} satisfies Record<string, FieldTable>;

/**
 * Parses a job request with the table of where it came from (JOB_BODIES). Unknown fields are
 * refused, so a misspelt `idempotency_key` cannot silently start a second job.
 */
export function parseJobRequest(value: unknown, root: string, kind: keyof typeof JOB_BODIES): JobRequest {
  const fields: Record<string, unknown> = parseFields(JOB_BODIES[kind], value, root);
  const request: JobRequest = {
    workflowId: fields.workflow_id as string | undefined,
    workflowName: fields.workflow_name as string | undefined,
    targetId: fields.target_id as string | undefined,
    params: fields.params as Record<string, unknown> | undefined,
    priority: fields.priority as number,
    jobType: fields.job_type as JobType | undefined,
    idempotencyKey: fields.idempotency_key as string | undefined,
  };
  if (kind === 'event') {
    if (request.workflowId && request.workflowName) {
      throw new SchemaError(`${root}.workflow_name`, 'give workflow_id or workflow_name, not both');
    }
    if (!request.workflowId && !request.workflowName) {
      throw new SchemaError(`${root}.workflow_id`, 'required (or workflow_name)');
    }
  }
  const dependsOn = fields.depends_on as
    Array<{ job_id: string; dependency_type: 'FINISH' | 'SUCCESS' }> | undefined;
  if (dependsOn) {
    request.dependsOn = dependsOn.map((d) => ({ jobId: d.job_id, dependencyType: d.dependency_type }));
  }
  return request;
}
