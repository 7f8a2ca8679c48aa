import { ERROR_HANDLING, type ErrorHandling, STEP_TYPES, type StepType } from '@crawlflow/contracts';
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
import { CrawlingWorkflow } from './crawling-workflow.entity';
import { TargetType } from './target-type.entity';

@Entity({ name: 'workflow_steps' })
@Index('idx_steps_workflow_order', ['workflowId', 'stepOrder'])
@Index('idx_steps_target_type', ['targetTypeId'])
// One row per step and definition version: tasks of older versions keep pointing at theirs.
@Index('uq_steps_workflow_version_order', ['workflowId', 'workflowVersion', 'stepOrder'], { unique: true })
export class WorkflowStep {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'workflow_id', type: 'bigint' })
  workflowId!: string;

  @ManyToOne(() => CrawlingWorkflow, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workflow_id', foreignKeyConstraintName: 'fk_steps_workflow' })
  workflow?: Relation<CrawlingWorkflow>;

  /** The definition version (crawling_workflows.version) this step row belongs to. */
  @Column({ name: 'workflow_version', type: 'int', default: 1 })
  workflowVersion!: number;

  @Column({ name: 'step_order', type: 'int' })
  stepOrder!: number;

  @Column({ name: 'step_name', type: 'varchar', length: 100 })
  stepName!: string;

  @Column({ name: 'step_type', type: 'enum', enum: STEP_TYPES })
  stepType!: StepType;

  @Column({ name: 'target_type_id', type: 'bigint', nullable: true })
  targetTypeId!: string | null;

  // SET NULL: the step stays runnable without a type filter if the type is removed.
  @ManyToOne(() => TargetType, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'target_type_id', foreignKeyConstraintName: 'fk_steps_target_type' })
  targetType?: Relation<TargetType>;

  @Column({ name: 'input_mapping', type: 'text', nullable: true })
  inputMapping!: string | null;

  @Column({ name: 'output_mapping', type: 'text', nullable: true })
  outputMapping!: string | null;

  @Column({ name: 'error_handling', type: 'enum', enum: ERROR_HANDLING, default: 'RETRY' })
  errorHandling!: ErrorHandling;

  @Column({ name: 'max_retries', type: 'int', default: 3 })
  maxRetries!: number;

  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamp',
    precision: null,
    default: () => 'CURRENT_TIMESTAMP',
  })
  createdAt!: Date;
}
