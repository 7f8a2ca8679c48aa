import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, Relation } from 'typeorm';
import { CrawlingWorkflow } from './crawling-workflow.entity';

/** Per-workflow concurrency limits; a workflow without a row uses the defaults below. */
@Entity({ name: 'parallel_execution_config' })
export class ParallelExecutionConfig {
  @PrimaryColumn({ name: 'workflow_id', type: 'bigint' })
  workflowId!: string;

  @OneToOne(() => CrawlingWorkflow, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workflow_id', foreignKeyConstraintName: 'fk_parallel_config_workflow' })
  workflow?: Relation<CrawlingWorkflow>;

  @Column({ name: 'max_parallel_jobs', type: 'int', nullable: true, default: 5 })
  maxParallelJobs!: number | null;

  @Column({ name: 'max_parallel_tasks', type: 'int', nullable: true, default: 10 })
  maxParallelTasks!: number | null;

  @Column({ name: 'resource_pool', type: 'varchar', length: 50, nullable: true })
  resourcePool!: string | null;
}
