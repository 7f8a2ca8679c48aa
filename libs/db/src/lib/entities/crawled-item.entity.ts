import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Relation,
  Unique,
} from 'typeorm';
import { CrawlingWorkflow } from './crawling-workflow.entity';

/** Stored results, upserted by (workflow_id, item_key) so a redelivered STORE task changes nothing. */
@Entity({ name: 'crawled_items' })
@Unique('uq_items_workflow_key', ['workflowId', 'itemKey'])
@Index('idx_items_job', ['jobId'])
export class CrawledItem {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'workflow_id', type: 'bigint' })
  workflowId!: string;

  // CASCADE: items belong to their workflow (which cannot be deleted while it has live jobs).
  @ManyToOne(() => CrawlingWorkflow, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workflow_id', foreignKeyConstraintName: 'fk_items_workflow' })
  workflow?: Relation<CrawlingWorkflow>;

  /**
   * The job that last wrote the item. No foreign key: jobs move to crawling_jobs_archive after 30
   * days, and the item must keep pointing at that id.
   */
  @Column({ name: 'job_id', type: 'bigint' })
  jobId!: string;

  @Column({ name: 'item_key', type: 'varchar', length: 255, collation: 'utf8mb4_bin' })
  itemKey!: string;

  // MySQL 8: native JSON; MariaDB: LONGTEXT with a json_valid() check.
  @Column({ name: 'data', type: 'json' })
  data!: unknown;

  /** SHA-256 hex of the canonical data: changed_at moves only when it changes. */
  @Column({ name: 'content_hash', type: 'char', length: 64 })
  contentHash!: string;

  @Column({ name: 'first_seen_at', type: 'timestamp', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  firstSeenAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamp', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  lastSeenAt!: Date;

  @Column({ name: 'changed_at', type: 'timestamp', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  changedAt!: Date;

  /**
   * Database time of the fetch of the page the data came from: a STORE carrying records of an older
   * fetch (overlapping jobs, a re-run lease) never overwrites newer data.
   */
  @Column({ name: 'fetched_at', type: 'timestamp', precision: 3, nullable: true })
  fetchedAt!: Date | null;
}
