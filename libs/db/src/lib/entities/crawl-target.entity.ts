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
import { TargetType } from './target-type.entity';

/** Stand-in for the target domain's crawl target: one URL of a source, typed for workflow mapping. */
@Entity({ name: 'crawl_targets' })
@Index('idx_targets_source', ['sourceId'])
@Index('idx_targets_type', ['targetTypeId'])
export class CrawlTarget {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'source_id', type: 'bigint' })
  sourceId!: string;

  // RESTRICT: a source with targets is still in use; delete its targets first.
  @ManyToOne(() => CrawlSource, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'source_id', foreignKeyConstraintName: 'fk_targets_source' })
  source?: Relation<CrawlSource>;

  // Nullable: a target without a type simply matches no target_workflow_mappings row.
  @Column({ name: 'target_type_id', type: 'bigint', nullable: true })
  targetTypeId!: string | null;

  @ManyToOne(() => TargetType, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'target_type_id', foreignKeyConstraintName: 'fk_targets_type' })
  targetType?: Relation<TargetType>;

  @Column({ name: 'url', type: 'varchar', length: 1000 })
  url!: string;

  @Column({ name: 'name', type: 'varchar', length: 255, nullable: true })
  name!: string | null;

  @Column({ name: 'attributes', type: 'json', nullable: true })
  attributes!: Record<string, unknown> | null;

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
