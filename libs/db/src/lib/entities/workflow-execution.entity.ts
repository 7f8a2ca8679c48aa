import { EXECUTION_STATUSES, type ExecutionStatus } from '@crawlflow/contracts';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Relation,
} from 'typeorm';
import { CrawlingJob } from './crawling-job.entity';
import { CrawlingWorkflow } from './crawling-workflow.entity';

@Entity({ name: 'workflow_executions' })
@Index('idx_executions_job', ['jobId'])
@Index('idx_executions_workflow_status', ['workflowId', 'status'])
export class WorkflowExecution {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'workflow_id', type: 'bigint' })
  workflowId!: string;

  // RESTRICT, as for jobs: a workflow with execution history cannot be deleted.
  @ManyToOne(() => CrawlingWorkflow, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'workflow_id', foreignKeyConstraintName: 'fk_executions_workflow' })
  workflow?: Relation<CrawlingWorkflow>;

  @Column({ name: 'job_id', type: 'bigint' })
  jobId!: string;

  @ManyToOne(() => CrawlingJob, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_executions_job' })
  job?: Relation<CrawlingJob>;

  @Column({ name: 'current_step', type: 'varchar', length: 50, nullable: true })
  currentStep!: string | null;

  @Column({ name: 'status', type: 'enum', enum: EXECUTION_STATUSES, default: 'RUNNING' })
  status!: ExecutionStatus;

  /** JSON text: checkpoint of the run (page, progress…), see docs/data-model.md#workflow_executions. */
  @Column({ name: 'context', type: 'text', nullable: true })
  context!: string | null;

  @Column({ name: 'step_results', type: 'text', nullable: true })
  stepResults!: string | null;

  @Column({ name: 'started_at', type: 'timestamp', precision: 3, nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamp', precision: 3, nullable: true })
  completedAt!: Date | null;

  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamp',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  createdAt!: Date;
}
