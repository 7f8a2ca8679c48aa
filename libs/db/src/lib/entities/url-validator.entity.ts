import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A URL's last ETag / Last-Modified per workflow, for INCREMENTAL jobs, kept once everything after
 * its fetch succeeded; for a list page also the records it yielded, so a 304 still leads to its
 * detail pages (docs/adr/0011).
 */
@Entity({ name: 'url_validators' })
export class UrlValidator {
  @PrimaryColumn({ name: 'workflow_id', type: 'bigint' })
  workflowId!: string;

  /** SHA-256 hex of the URL (URLs are longer than an index key may be). */
  @PrimaryColumn({ name: 'url_hash', type: 'char', length: 64 })
  urlHash!: string;

  @Column({ name: 'url', type: 'varchar', length: 2000 })
  url!: string;

  @Column({ name: 'etag', type: 'varchar', length: 500, nullable: true })
  etag!: string | null;

  @Column({ name: 'last_modified', type: 'varchar', length: 100, nullable: true })
  lastModified!: string | null;

  @UpdateDateColumn({
    name: 'updated_at',
    type: 'timestamp',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
    onUpdate: 'CURRENT_TIMESTAMP(3)',
  })
  updatedAt!: Date;

  @Column({ name: 'records_gzip', type: 'longblob', nullable: true })
  recordsGzip!: Buffer | null;

  @Column({ name: 'records_count', type: 'int', nullable: true })
  recordsCount!: number | null;

  /** The workflow version whose definition produced the records: another version ignores them. */
  @Column({ name: 'records_version', type: 'int', nullable: true })
  recordsVersion!: number | null;
}
