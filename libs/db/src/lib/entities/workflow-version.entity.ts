import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { CrawlingWorkflow } from './crawling-workflow.entity';

/** Every definition a workflow has had; jobs run on the version they were created with. */
@Entity({ name: 'workflow_versions' })
export class WorkflowVersion {
  @PrimaryColumn({ name: 'workflow_id', type: 'bigint' })
  workflowId!: string;

  @ManyToOne(() => CrawlingWorkflow, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workflow_id', foreignKeyConstraintName: 'fk_workflow_versions_workflow' })
  workflow?: Relation<CrawlingWorkflow>;

  @PrimaryColumn({ name: 'version', type: 'int' })
  version!: number;

  /** JSON text, as submitted. */
  @Column({ name: 'workflow_definition', type: 'text', nullable: true })
  workflowDefinition!: string | null;

  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamp',
    precision: null,
    default: () => 'CURRENT_TIMESTAMP',
  })
  createdAt!: Date;
}
