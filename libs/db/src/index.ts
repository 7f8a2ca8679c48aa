export { TEXT_COLUMN_BYTES } from './lib/column-sizes';
export { dataSourceOptions, createDataSource } from './lib/data-source';
export { DbModule } from './lib/db.module';
export {
  CrawlSource,
  CrawlTarget,
  CrawledItem,
  CrawlingJobArchive,
  CrawlingJob,
  CrawlingJobColumns,
  CrawlingQueue,
  CrawlingSchedule,
  CrawlingTask,
  CrawlingWorkflow,
  JobDependency,
  ParallelExecutionConfig,
  ScheduleDecision,
  ScheduleIntervalHistory,
  MissedRunPolicy,
  OverlapPolicy,
  ScheduleDecisionType,
  TargetType,
  TargetWorkflowMapping,
  WorkflowExecution,
  WorkflowStep,
  WorkflowVersion,
  CrawlPage,
  UrlValidator,
  CrawlFrontierEntry,
  OutboxEvent,
  ResourcePool,
  TaskDataEntry,
  TASK_DATA_KINDS,
  ENTITIES,
} from './lib/entities';
export {
  toSqlTimestamp,
  PARKED_UNTIL,
  TaskLedger,
  TasksRepository,
  LostDeliveries,
  isSpilled,
  TaskData,
  clipBytes,
  type LedgerTaskType,
  type NewTask,
  type EnqueuedTask,
  type ClaimedEntry,
  type ResultDecision,
  type LedgerTaskState,
  type AppliedResult,
  type EntryRef,
  type EntryStatus,
  type ExpiredEntry,
  type TaskDataKind,
  type SpilledStub,
} from './lib/ledger';
export {
  ensureDatabase,
  dropDatabase,
  runMigrations,
  revertAllMigrations,
  revertAllMigrationsOf,
} from './lib/migrate';
export { MIGRATIONS } from './lib/migrations';
export { SQLITE_MIGRATIONS } from './lib/migrations-sqlite';
export { dialectOf } from './lib/dialect';
export {
  outsideTransactions,
  SqliteDataSource,
  SqliteFileInUseError,
  UntranslatableSqlError,
  type WriteQueueOptions,
} from './lib/sqlite';
export {
  isDatabaseUnavailable,
  isDatabaseContention,
  isTransientDatabaseError,
  isDatabaseError,
  probeDatabase,
} from './lib/db-errors';

export type { Db } from './lib/db';
export {
  JobsRepository,
  OutboxRepository,
  type JobForProgress,
  type NewJobRow,
  type PendingJob,
} from './lib/jobs';
export { ExecutionsRepository } from './lib/executions';
export {
  FrontierRepository,
  PagesRepository,
  UrlValidators,
  urlHash,
  type SavedPage,
  type StoredPage,
  type KeptPage,
  type NewValidators,
  type StoredValidators,
} from './lib/pages';
export { AdmissionRepository, ParallelismRepository, type WorkflowLimits } from './lib/limits';
export {
  CatalogLookups,
  CatalogRepository,
  type IdPage,
  type MappingValues,
  type NewTargetRow,
  type TargetView,
} from './lib/catalog';
export { withDeadlockRetry } from './lib/with-deadlock-retry';
export {
  WorkflowsRepository,
  type NewStepRow,
  type NewWorkflowRow,
  type WorkflowHead,
} from './lib/workflows';
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
export { ItemsRepository, type ItemRow, type StoredItem } from './lib/items';
export {
  JobStatisticsRepository,
  KeyMetricsRepository,
  type DailyJobStatistics,
  type FinishedJobsFigures,
  type HourlyFigures,
  type NewTasksFigures,
  type WorkflowFailureRate,
} from './lib/observability';
export { AppliedMigrationsRepository } from './lib/schema';
