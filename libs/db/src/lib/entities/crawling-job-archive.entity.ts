import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { CrawlingJobColumns } from './crawling-job.entity';

/**
 * Finished jobs older than 30 days, moved out of crawling_jobs. No foreign keys: archived rows
 * outlive the workflows, schedules and targets they name, and keep their original id.
 */
@Entity({ name: 'crawling_jobs_archive' })
@Index('idx_jobs_archive_workflow_created', ['workflowId', 'createdAt'])
@Index('idx_jobs_archive_completed', ['completedAt'])
@Index('idx_jobs_archive_idempotency_key', ['idempotencyKey'])
export class CrawlingJobArchive extends CrawlingJobColumns {
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'archived_at', type: 'timestamp', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  archivedAt!: Date;
}
