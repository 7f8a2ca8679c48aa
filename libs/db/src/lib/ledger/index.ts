export type {
  LedgerTaskType,
  NewTask,
  EnqueuedTask,
  ClaimedEntry,
  ResultDecision,
  LedgerTaskState,
  AppliedResult,
  EntryRef,
  EntryStatus,
  ExpiredEntry,
} from './ledger.types';
export { toSqlTimestamp, jsonRows, chunksByBytes, MAX_STATEMENT_BYTES } from './sql-values';
export { PARKED_UNTIL, TaskLedger } from './task-ledger';
export { isSpilled, spilledStub, TaskData, type TaskDataKind, type SpilledStub } from './task-data';
export { fitsBytes, clipBytes, clipBytesOrNull } from './text-bytes';
export { TasksRepository } from './tasks.repository';
export { LostDeliveries } from './lost-deliveries';
