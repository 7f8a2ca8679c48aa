import { TASK_STATUSES, TASK_TYPES, type TaskStatus, type TaskType } from '@crawlflow/contracts';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Relation,
  UpdateDateColumn,
} from 'typeorm';
import { CrawlingJob } from './crawling-job.entity';
import { WorkflowStep } from './workflow-step.entity';

@Entity({ name: 'crawling_tasks' })
// The original design's indexes. Its idx_tasks_retry is partial (WHERE status='FAILED' AND retry_count < 3);
// MySQL has no partial index, so it is a plain one on the same columns.
@Index('idx_tasks_job_status', ['jobId', 'status'])
@Index('idx_tasks_retry', ['status', 'retryCount'])
@Index('idx_tasks_step', ['stepId'])
// A task's natural key: the ledger reads ids back by it, and re-expanding a step cannot duplicate.
@Index('uq_tasks_job_sequence', ['jobId', 'sequenceNumber'], { unique: true })
export class CrawlingTask {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'job_id', type: 'bigint' })
  jobId!: string;

  @ManyToOne(() => CrawlingJob, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_tasks_job' })
  job?: Relation<CrawlingJob>;

  @Column({ name: 'step_id', type: 'bigint', nullable: true })
  stepId!: string | null;

  // SET NULL: replacing a workflow's steps must not erase the tasks that ran under the old ones;
  // step_order keeps their position.
  @ManyToOne(() => WorkflowStep, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'step_id', foreignKeyConstraintName: 'fk_tasks_step' })
  step?: Relation<WorkflowStep>;

  /** The step's position in the job's workflow version (steps may be rows or only JSON). */
  @Column({ name: 'step_order', type: 'int', nullable: true })
  stepOrder!: number | null;

  @Column({ name: 'target_url', type: 'varchar', length: 1000, nullable: true })
  targetUrl!: string | null;

  @Column({ name: 'task_type', type: 'enum', enum: TASK_TYPES })
  taskType!: TaskType;

  @Column({ name: 'status', type: 'enum', enum: TASK_STATUSES, default: 'PENDING' })
  status!: TaskStatus;

  @Column({ name: 'retry_count', type: 'int', default: 0 })
  retryCount!: number;

  @Column({ name: 'sequence_number', type: 'int', default: 0 })
  sequenceNumber!: number;

  @Column({ name: 'input_data', type: 'text', nullable: true })
  inputData!: string | null;

  @Column({ name: 'output_data', type: 'text', nullable: true })
  outputData!: string | null;

  @Column({ name: 'started_at', type: 'timestamp', precision: 3, nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamp', precision: 3, nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'response_time_ms', type: 'int', nullable: true })
  responseTimeMs!: number | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

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
