/**
 * The product's statuses and types, each defined once (docs/data-model.md lists what each value
 * means). Enum columns, API validation, SQL and the CLI all take them from here. The order of each
 * list is the enum column's order, and is part of the schema: MySQL sorts an ENUM by its index
 * (the queue-claim query's `ORDER BY queue_type` puts HIGH_PRIORITY first).
 */

export const WORKFLOW_TYPES = ['FULL_SCAN', 'INCREMENTAL', 'TARGETED'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

export const SCHEDULE_TYPES = ['FIXED', 'DYNAMIC', 'MANUAL'] as const;
export type ScheduleType = (typeof SCHEDULE_TYPES)[number];

export const JOB_TYPES = ['FULL', 'INCREMENTAL', 'RETRY'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATUSES = ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The statuses a job ends in: nothing of it runs or writes again. */
export const TERMINAL_JOB_STATUSES = ['SUCCESS', 'FAILED', 'CANCELLED'] as const;
export type TerminalJobStatus = (typeof TERMINAL_JOB_STATUSES)[number];

export function isTerminalJobStatus(status: string): status is TerminalJobStatus {
  return (TERMINAL_JOB_STATUSES as readonly string[]).includes(status);
}

export const TASK_TYPES = ['FETCH', 'PARSE', 'STORE'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const TASK_STATUSES = ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'RETRYING'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const QUEUE_STATUSES = ['WAITING', 'PROCESSING', 'COMPLETED', 'FAILED'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

/** crawling_queues.stage: the RabbitMQ stage (`crawl.<stage>.<tier>`) an entry is published to. */
export const QUEUE_STAGES = ['FETCH', 'PARSE', 'STORE'] as const;
export type QueueStage = (typeof QUEUE_STAGES)[number];

export const EXECUTION_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'PAUSED'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** FINISH: the other job ended in any state; SUCCESS: it ended in SUCCESS. */
export const DEPENDENCY_TYPES = ['FINISH', 'SUCCESS'] as const;
export type DependencyType = (typeof DEPENDENCY_TYPES)[number];
