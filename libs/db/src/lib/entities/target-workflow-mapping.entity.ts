import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { CrawlingWorkflow } from './crawling-workflow.entity';
import { TargetType } from './target-type.entity';

/** Picks the workflow for a target by its type; the highest priority whose condition holds wins. */
@Entity({ name: 'target_workflow_mappings' })
@Index('idx_mappings_workflow', ['workflowId'])
export class TargetWorkflowMapping {
  @PrimaryColumn({ name: 'target_type_id', type: 'bigint' })
  targetTypeId!: string;

  @PrimaryColumn({ name: 'workflow_id', type: 'bigint' })
  workflowId!: string;

  // CASCADE on both sides: a mapping is only meaningful while both ends exist.
  @ManyToOne(() => TargetType, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'target_type_id', foreignKeyConstraintName: 'fk_mappings_target_type' })
  targetType?: Relation<TargetType>;

  @ManyToOne(() => CrawlingWorkflow, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workflow_id', foreignKeyConstraintName: 'fk_mappings_workflow' })
  workflow?: Relation<CrawlingWorkflow>;

  @Column({ name: 'condition_expression', type: 'text', nullable: true })
  conditionExpression!: string | null;

  @Column({ name: 'priority', type: 'int', nullable: true })
  priority!: number | null;
}
