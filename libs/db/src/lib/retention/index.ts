export { ArchivedJobsRepository } from './archived-jobs.repository';
export { ARCHIVED_TABLES, JobArchiveRepository } from './job-archive.repository';
export type { ArchiveColumns, ArchivedRows, ArchivedTable } from './job-archive.repository';
export { MaintenanceLockRepository } from './maintenance-lock.repository';
export type { LockOutcome } from './maintenance-lock.repository';
export { QueuePartitionsRepository } from './queue-partitions.repository';
export type { PartitionBound, QueuePartitionInfo } from './queue-partitions.repository';
export { RetentionMetricsRepository } from './retention-metrics.repository';
export type { OldestLiveRowAges } from './retention-metrics.repository';
