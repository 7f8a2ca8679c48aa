import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The URLs a site crawl (FULL_SCAN) has admitted, unique per job: each is fetched once. */
@Entity({ name: 'crawl_frontier' })
export class CrawlFrontierEntry {
  @PrimaryColumn({ name: 'job_id', type: 'bigint' })
  jobId!: string;

  @PrimaryColumn({ name: 'url_hash', type: 'char', length: 64 })
  urlHash!: string;

  @Column({ name: 'url', type: 'varchar', length: 2000 })
  url!: string;

  @Column({ name: 'depth', type: 'int' })
  depth!: number;

  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamp',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  createdAt!: Date;
}
