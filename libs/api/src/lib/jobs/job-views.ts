import type { JobStatus, JobType } from '@crawlflow/contracts';
import type { CrawledItem, CrawlingJob, CrawlingTask, WorkflowExecution } from '@crawlflow/db';
import { jsonOrText } from '../http/rows';

// Jobs and what they ran as the API shows them: their columns, snake_case like the request bodies,
// in the table's order; JSON text columns parsed (text that is not JSON stays text).

export type JobView = {
  id: string;
  schedule_id: string | null;
  workflow_id: string;
  workflow_version: number;
  target_id: string | null;
  job_type: JobType;
  status: JobStatus;
  priority: number;
  params: unknown;
  idempotency_key: string | null;
  scheduled_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  total_items: number;
  processed_items: number;
  success_count: number;
  failed_count: number;
  error_summary: string | null;
  created_at: Date;
  updated_at: Date;
};

export function toJobView(job: CrawlingJob): JobView {
  return {
    id: job.id,
    schedule_id: job.scheduleId,
    workflow_id: job.workflowId,
    workflow_version: job.workflowVersion,
    target_id: job.targetId,
    job_type: job.jobType,
    status: job.status,
    priority: job.priority,
    params: jsonOrText(job.params),
    idempotency_key: job.idempotencyKey,
    scheduled_at: job.scheduledAt,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    total_items: job.totalItems,
    processed_items: job.processedItems,
    success_count: job.successCount,
    failed_count: job.failedCount,
    error_summary: job.errorSummary,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
  };
}

export function toExecutionView(execution: WorkflowExecution): Record<string, unknown> & { id: string } {
  return {
    id: execution.id,
    workflow_id: execution.workflowId,
    job_id: execution.jobId,
    current_step: execution.currentStep,
    status: execution.status,
    context: jsonOrText(execution.context),
    step_results: jsonOrText(execution.stepResults),
    started_at: execution.startedAt,
    completed_at: execution.completedAt,
    created_at: execution.createdAt,
  };
}

export function toTaskView(task: CrawlingTask): Record<string, unknown> & { id: string } {
  return {
    id: task.id,
    job_id: task.jobId,
    step_id: task.stepId,
    step_order: task.stepOrder,
    target_url: task.targetUrl,
    task_type: task.taskType,
    status: task.status,
    retry_count: task.retryCount,
    sequence_number: task.sequenceNumber,
    input_data: jsonOrText(task.inputData),
    output_data: jsonOrText(task.outputData),
    started_at: task.startedAt,
    completed_at: task.completedAt,
    response_time_ms: task.responseTimeMs,
    error_message: task.errorMessage,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
  };
}

export function toItemView(item: CrawledItem): Record<string, unknown> & { id: string } {
  return {
    id: item.id,
    workflow_id: item.workflowId,
    job_id: item.jobId,
    item_key: item.itemKey,
    data: item.data,
    content_hash: item.contentHash,
    first_seen_at: item.firstSeenAt,
    last_seen_at: item.lastSeenAt,
    changed_at: item.changedAt,
    fetched_at: item.fetchedAt,
  };
}
