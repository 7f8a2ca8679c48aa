import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A fetched body waiting for its PARSE task (gzip), one per FETCH task: pages reach the parse stage
 * by reference, never through the ledger or the broker (docs/adr/0005). Deleted once parsed, and
 * with its job when the job ends.
 */
@Entity({ name: 'crawl_pages' })
@Index('idx_pages_job', ['jobId'])
@Index('uq_pages_task', ['taskId'], { unique: true })
export class CrawlPage {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'job_id', type: 'bigint' })
  jobId!: string;

  @Column({ name: 'task_id', type: 'bigint' })
  taskId!: string;

  @Column({ name: 'url', type: 'varchar', length: 2000 })
  url!: string;

  @Column({ name: 'status', type: 'int' })
  status!: number;

  @Column({ name: 'content_type', type: 'varchar', length: 200, nullable: true })
  contentType!: string | null;

  @Column({ name: 'body_gzip', type: 'longblob' })
  bodyGzip!: Buffer;

  @Column({ name: 'body_bytes', type: 'int' })
  bodyBytes!: number;

  /** Database time of the fetch: orders STORE writes (crawled_items.fetched_at). */
  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamp',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  createdAt!: Date;
}
