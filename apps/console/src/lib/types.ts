// What the console reads from the API (the fields it uses; the OpenAPI document has them all).

export const JOB_STATUSES = ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TIERS = ['high', 'normal', 'low'] as const;
export type Tier = (typeof TIERS)[number];

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Job {
  id: string;
  schedule_id: string | null;
  workflow_id: string;
  workflow_version: number;
  target_id: string | null;
  job_type: string;
  status: JobStatus;
  priority: number;
  params: unknown;
  scheduled_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  total_items: number;
  processed_items: number;
  success_count: number;
  failed_count: number;
  error_summary: string | null;
  created_at: string;
  updated_at: string;
}

export interface StepResult {
  tasks: number;
  succeeded: number;
  failed: number;
  retried: number;
  records: number;
  total_ms: number;
}

export interface ExecutionContext {
  items_processed?: number;
  current_page?: number;
  total_pages?: number;
  pagination?: { next_page: number; last_page: number; stopped_at: number | null };
  crawl?: { seen: number; max_pages: number; max_depth: number; scope: string; start: string };
  stored?: { inserted: number; updated: number; unchanged: number; skipped: number };
  hard_failures?: number;
  skipped_failures?: number;
  retries?: number;
  rejected_records?: number;
  errors?: string[];
  fail_reason?: string;
  checkpoint?: { step: string; progress: number };
  last_item_id?: string;
}

export interface Execution {
  id: string;
  current_step: string | null;
  status: string;
  context: ExecutionContext | string | null;
  step_results: Record<string, StepResult> | string | null;
  started_at: string | null;
  completed_at: string | null;
}

export interface JobDetail extends Job {
  /** Moved to the archive tables: read-only, no tasks or items to page through. */
  archived?: boolean;
  progress: { processed: number; total: number; percent: number };
  execution: Execution | null;
}

export interface Task {
  id: string;
  step_id: string | null;
  step_order: number;
  target_url: string | null;
  task_type: string;
  status: string;
  retry_count: number;
  started_at: string | null;
  completed_at: string | null;
  response_time_ms: number | null;
  error_message: string | null;
}

export interface Item {
  id?: string;
  item_key?: string;
  data?: unknown;
  last_seen_at?: string;
  [field: string]: unknown;
}

export interface Workflow {
  id: string;
  workflow_name: string;
  source_id: string | null;
  workflow_type: string;
  is_active: boolean;
  version: number;
  latest_version: number;
  workflow_definition: unknown;
  created_at: string;
  updated_at: string;
  version_created_at: string;
}

export interface WorkflowVersion {
  version: number;
  created_at: string;
  is_current: boolean;
}

export interface Overview {
  window_hours: number;
  current: {
    job_success_rate: number | null;
    avg_execution_sec: number | null;
    retry_rate: number | null;
    queue_depth: Record<Tier, number>;
    running_jobs: number;
  };
  trend: Array<{
    hour: string;
    finished_jobs: number;
    success_jobs: number;
    failed_jobs: number;
    success_rate: number | null;
    avg_execution_sec: number | null;
    tasks: number;
    retried_tasks: number;
    retry_rate: number | null;
  }>;
}

export interface Alert {
  workflow_id: string;
  workflow_name: string;
  total_jobs: number;
  failed_jobs: number;
  failure_rate: number;
}

export interface Queues {
  ledger: Array<{
    stage: string;
    tier: Tier;
    queue_type: string;
    status: string;
    count: number;
    due?: number;
  }>;
  broker:
    | Array<{ queue: string; messages: number | null; consumers: number | null; error?: string }>
    | { error: string };
}

export interface Schedule {
  id: string;
  workflow_id: string;
  target_id: string | null;
  schedule_type: 'FIXED' | 'DYNAMIC' | 'MANUAL';
  cron_expression: string | null;
  timezone: string;
  is_active: boolean;
  priority: number;
  next_run_at: string | null;
  last_run_at: string | null;
  overlap_policy: string;
  missed_run_policy: string;
  interval_seconds: number | null;
  min_interval_seconds: number;
  max_interval_seconds: number;
}

export interface ScheduleDetail extends Schedule {
  next_fire_times: string[];
  recent_decisions: Array<{
    id: string;
    due_at: string | null;
    decision: string;
    job_id: string | null;
    reason: string | null;
    created_at: string;
  }>;
  interval_history: Array<{
    id: string;
    job_id: string;
    job_status: string;
    changed_items: number;
    old_interval_seconds: number;
    new_interval_seconds: number;
    created_at: string;
  }>;
}
