export { findArchivedJob, type ArchivedJobRow } from './lib/archived-job';
export {
  archiveCompletedJobs,
  type ArchiveSettings,
  type ArchiveOptions,
  type ArchiveBatch,
  type ArchiveReport,
} from './lib/job-archiver';
export { withMaintenanceLock } from './lib/maintenance-lock';
export {
  runMaintenance,
  type MaintenanceSettings,
  type MaintenanceOptions,
  type PartResult,
  type MaintenanceReport,
} from './lib/maintenance-routine';
export { MaintenanceModule } from './lib/maintenance.module';
export { DAY_MS } from './lib/partition-plan';
export type { KeptPartition, PartitionReport } from './lib/queue-partitions';
export { RetentionMetrics, type OldestLiveRows } from './lib/retention-metrics';
