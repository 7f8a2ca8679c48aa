import { JOB_STATUSES, JOB_TYPES, type JobStatus, type JobType } from '@crawlflow/contracts';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Relation,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { CrawlTarget } from './crawl-target.entity';
import { CrawlingSchedule } from './crawling-schedule.entity';
import { CrawlingWorkflow } from './crawling-workflow.entity';

/**
 * The columns crawling_jobs and crawling_jobs_archive share, in one place so the archive cannot
 * drift from the live table. Not an entity itself.
 */
export abstract class CrawlingJobColumns {
  @Column({ name: 'schedule_id', type: 'bigint', nullable: true })
  scheduleId!: string | null;

  @Column({ name: 'workflow_id', type: 'bigint' })
  workflowId!: string;

  /** The workflow's version when the job was created: a running job keeps its definition. */
  @Column({ name: 'workflow_version', type: 'int', default: 1 })
  workflowVersion!: number;

  @Column({ name: 'target_id', type: 'bigint', nullable: true })
  targetId!: string | null;

  @Column({ name: 'job_type', type: 'enum', enum: JOB_TYPES, default: 'FULL' })
  jobType!: JobType;

  @Column({ name: 'status', type: 'enum', enum: JOB_STATUSES, default: 'PENDING' })
  status!: JobStatus;

  /** 1–10; picks the RabbitMQ tier (8–10 high, 4–7 normal, 1–3 low). */
  @Column({ name: 'priority', type: 'int', default: 5 })
  priority!: number;

  /** JSON text: placeholder values, resolved before the target's and the source's. */
  @Column({ name: 'params', type: 'text', nullable: true })
  params!: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'scheduled_at', type: 'timestamp', precision: 3, nullable: true })
  scheduledAt!: Date | null;

  @Column({ name: 'started_at', type: 'timestamp', precision: 3, nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamp', precision: 3, nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'total_items', type: 'int', default: 0 })
  totalItems!: number;

  @Column({ name: 'processed_items', type: 'int', default: 0 })
  processedItems!: number;

  @Column({ name: 'success_count', type: 'int', default: 0 })
  successCount!: number;

  @Column({ name: 'failed_count', type: 'int', default: 0 })
  failedCount!: number;

  @Column({ name: 'error_summary', type: 'text', nullable: true })
  errorSummary!: string | null;

  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamp',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  createdAt!: Date;

  @UpdateDateColumn({
    name: 'updated_at',
    type: 'timestamp',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
    onUpdate: 'CURRENT_TIMESTAMP(3)',
  })
  updatedAt!: Date;
}

@Entity({ name: 'crawling_jobs' })
// One job per schedule run, however many scheduler replicas race for it (NULLs never collide).
@Unique('uq_jobs_schedule_run', ['scheduleId', 'scheduledAt'])
// One job per trigger idempotency key (NULLs never collide).
@Unique('uq_jobs_idempotency_key', ['idempotencyKey'])
@Index('idx_jobs_status', ['status'])
@Index('idx_jobs_workflow_created', ['workflowId', 'createdAt'])
@Index('idx_jobs_created', ['createdAt'])
@Index('idx_jobs_target', ['targetId'])
export class CrawlingJob extends CrawlingJobColumns {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  // SET NULL: deleting a schedule keeps the history of the jobs it started.
  @ManyToOne(() => CrawlingSchedule, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'schedule_id', foreignKeyConstraintName: 'fk_jobs_schedule' })
  schedule?: Relation<CrawlingSchedule>;

  // RESTRICT: a workflow with jobs (live, not yet archived) cannot be deleted; deactivate it instead.
  @ManyToOne(() => CrawlingWorkflow, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'workflow_id', foreignKeyConstraintName: 'fk_jobs_workflow' })
  workflow?: Relation<CrawlingWorkflow>;

  // SET NULL: job history outlives the target it crawled.
  @ManyToOne(() => CrawlTarget, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'target_id', foreignKeyConstraintName: 'fk_jobs_target' })
  target?: Relation<CrawlTarget>;
}
