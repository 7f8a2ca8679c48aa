export * from './lib/column-sizes';
export * from './lib/data-source';
export * from './lib/db.module';
export * from './lib/entities';
export * from './lib/ledger';
export * from './lib/migrate';
export * from './lib/migrations';
export * from './lib/db-errors';

export * from './lib/db';
export * from './lib/jobs';
export * from './lib/executions';
export * from './lib/pages';
export * from './lib/limits';
export * from './lib/catalog';
export * from './lib/with-deadlock-retry';
export * from './lib/workflows';
export {
  IntervalHistoryRepository,
  ScheduleClaimRepository,
  ScheduleDecisionsRepository,
  SchedulesRepository,
} from './lib/schedules';
export type {
  ActiveJobs,
  ClaimedSchedule,
  NewIntervalChange,
  NewScheduleDecision,
  ScheduleAdvance,
  ScheduleValues,
  UnadjustedJob,
} from './lib/schedules';
export {
  ARCHIVED_TABLES,
  ArchivedJobsRepository,
  JobArchiveRepository,
  MaintenanceLockRepository,
  QueuePartitionsRepository,
  RetentionMetricsRepository,
} from './lib/retention';
export type {
  ArchiveColumns,
  ArchivedRows,
  ArchivedTable,
  LockOutcome,
  OldestLiveRowAges,
  PartitionBound,
  QueuePartitionInfo,
} from './lib/retention';
export * from './lib/items';
export {
  JobStatisticsRepository,
  KeyMetricsRepository,
  type DailyJobStatistics,
  type FinishedJobsFigures,
  type NewTasksFigures,
  type WorkflowFailureRate,
} from './lib/observability';
export { AppliedMigrationsRepository } from './lib/schema';
