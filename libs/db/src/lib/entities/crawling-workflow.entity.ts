import { WORKFLOW_TYPES, type WorkflowType } from '@crawlflow/contracts';
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
import { CrawlSource } from './crawl-source.entity';

@Entity({ name: 'crawling_workflows' })
@Index('idx_workflows_source', ['sourceId'])
@Index('idx_workflows_name', ['workflowName'])
export class CrawlingWorkflow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  // Nullable: a workflow may carry its URLs in job params or targets instead of a source.
  @Column({ name: 'source_id', type: 'bigint', nullable: true })
  sourceId!: string | null;

  // RESTRICT: deleting a source must not silently take its workflows (and their history) with it.
  @ManyToOne(() => CrawlSource, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'source_id', foreignKeyConstraintName: 'fk_workflows_source' })
  source?: Relation<CrawlSource>;

  @Column({ name: 'workflow_name', type: 'varchar', length: 100 })
  workflowName!: string;

  @Column({ name: 'workflow_type', type: 'enum', enum: WORKFLOW_TYPES })
  workflowType!: WorkflowType;

  /** JSON text (docs/data-model.md#crawling_workflows); validated by the contracts lib, not here. */
  @Column({ name: 'workflow_definition', type: 'text', nullable: true })
  workflowDefinition!: string | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ name: 'version', type: 'int', default: 1 })
  version!: number;

  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamp',
    precision: null,
    default: () => 'CURRENT_TIMESTAMP',
  })
  createdAt!: Date;

  @UpdateDateColumn({
    name: 'updated_at',
    type: 'timestamp',
    precision: null,
    default: () => 'CURRENT_TIMESTAMP',
    onUpdate: 'CURRENT_TIMESTAMP',
  })
  updatedAt!: Date;
}
