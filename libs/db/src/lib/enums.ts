/**
 * Enum columns of the original design's ERD, value for value and in its order (docs/data-model.md).
 * The order is part of the schema: MySQL sorts an ENUM by its index, which the queue-claim query
 * relies on (`ORDER BY queue_type` puts HIGH_PRIORITY first).
 */

export enum WorkflowType {
  FULL_SCAN = 'FULL_SCAN',
  INCREMENTAL = 'INCREMENTAL',
  TARGETED = 'TARGETED',
}

export enum StepType {
  FETCH = 'FETCH',
  PARSE = 'PARSE',
  TRANSFORM = 'TRANSFORM',
  VALIDATE = 'VALIDATE',
  STORE = 'STORE',
}

export enum ErrorHandling {
  RETRY = 'RETRY',
  SKIP = 'SKIP',
  FAIL = 'FAIL',
}

export enum ScheduleType {
  FIXED = 'FIXED',
  DYNAMIC = 'DYNAMIC',
  MANUAL = 'MANUAL',
}

export enum JobType {
  FULL = 'FULL',
  INCREMENTAL = 'INCREMENTAL',
  RETRY = 'RETRY',
}

export enum JobStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  SUCCESS = 'SUCCESS',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

export enum TaskType {
  FETCH = 'FETCH',
  PARSE = 'PARSE',
  STORE = 'STORE',
}

export enum TaskStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  SUCCESS = 'SUCCESS',
  FAILED = 'FAILED',
  RETRYING = 'RETRYING',
}

export enum QueueType {
  HIGH_PRIORITY = 'HIGH_PRIORITY',
  NORMAL = 'NORMAL',
  LOW_PRIORITY = 'LOW_PRIORITY',
}

export enum QueueStatus {
  WAITING = 'WAITING',
  PROCESSING = 'PROCESSING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}

/** Ours, not the original design's: which RabbitMQ stage (`crawl.<stage>.<tier>`) an entry goes to. */
export enum QueueStage {
  FETCH = 'FETCH',
  PARSE = 'PARSE',
  STORE = 'STORE',
}

export enum ExecutionStatus {
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  PAUSED = 'PAUSED',
}

/** FINISH: the other job ended in any state; SUCCESS: it ended in SUCCESS. */
export enum DependencyType {
  FINISH = 'FINISH',
  SUCCESS = 'SUCCESS',
}
