import type { QueueType, Stage, TaskResult } from '@crawlflow/contracts';

/** crawling_tasks.task_type, as plain strings (the enum in enums.ts has the same values). */
export type LedgerTaskType = 'FETCH' | 'PARSE' | 'STORE';

/** One task to put on the ledger; the transport publishes it once due. */
export interface NewTask {
  jobId: string;
  stepId?: string | null;
  stepOrder?: number | null;
  taskType: LedgerTaskType;
  targetUrl?: string | null;
  /** Unique within the job: it is the task's natural key, so re-expanding a step is idempotent. */
  sequenceNumber: number;
  /** 1–10; picks the tier. */
  priority: number;
  /** Delay before the entry becomes due (0: now). */
  delayMs?: number;
  /** Enqueue parked until this UTC time ('YYYY-MM-DD HH:MM:SS'), to be released later (wins over delayMs). */
  parkedUntil?: string;
  /** What the worker receives as `payload`; also kept as the task's input_data. */
  payload: object;
}

export interface EnqueuedTask {
  taskId: string;
  sequenceNumber: number;
}

/** A WAITING entry claimed by the relay (locked until its transaction ends). */
export interface ClaimedEntry {
  id: string;
  jobId: string;
  taskId: string;
  stage: Stage;
  queueType: QueueType;
  /** attempt_count after this dispatch. */
  attempt: number;
  /** created_at ('YYYY-MM-DD HH:MM:SS.mmm', UTC): the partition key, carried so lookups prune. */
  createdAt: string;
  payload: string;
  /** Its previous dispatch ran out of lease without a result: the worker runs it alone. */
  suspect: boolean;
}

/**
 * What the policy decides for a finished delivery. The deciding is done above db (transport's
 * default policy, the engine's decideResult); the type lives here because TaskLedger commits it, and
 * db may not import the layers that decide.
 */
export type ResultDecision =
  | { action: 'complete' }
  | { action: 'fail'; reason: string }
  | { action: 'retry'; delayMs: number; reason: string };

/** The ledger state a result is judged against. */
export interface LedgerTaskState {
  queueId: string;
  taskId: string;
  jobId: string;
  queueStatus: 'WAITING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
  attemptCount: number;
  /** The entry's created_at, as in ClaimedEntry. */
  createdAt: string;
  /** The task's retry_count (read for failed results only; 0 otherwise). */
  retryCount: number;
}

export interface AppliedResult {
  result: TaskResult;
  state: LedgerTaskState;
  decision: ResultDecision;
}

/** An entry id with its created_at when known (messages carry it so lookups hit one partition). */
export interface EntryRef {
  id: string;
  createdAt?: string;
}

/** What a worker checks a delivery against. */
export interface EntryStatus {
  status: 'WAITING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
  /** Dispatches so far: a message whose attempt is lower is an older copy. */
  attemptCount: number;
}

/** An in-flight entry whose lease ran out, and its job's status. */
export interface ExpiredEntry {
  id: string;
  taskId: string;
  jobId: string;
  stage: Stage;
  attemptCount: number;
  /** Runs alone on a worker that gave no result (see TaskLedger.quarantineStart). */
  quarantineStarts: number;
  /** Leases that ran out since its last result (this one not counted). */
  leaseExpiries: number;
  createdAt: string;
  jobStatus: string;
}
