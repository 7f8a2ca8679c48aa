import {
  QUEUE_STAGES,
  QUEUE_STATUSES,
  QUEUE_TYPES,
  type QueueStage,
  type QueueStatus,
  type QueueType,
} from '@crawlflow/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * The durable dispatch ledger. The table is partitioned by day on created_at (see the initial
 * migration), which TypeORM cannot express, and MySQL/MariaDB shape it in three ways:
 * - no foreign keys on a partitioned table: job_id and task_id are plain indexed columns;
 * - every unique key must contain the partitioning column: the primary key is (id, created_at),
 *   of which only id is mapped (see createdAt);
 * - no relations here, so the schema builder never proposes a foreign key for it.
 */
@Entity({ name: 'crawling_queues' })
// The original design's claim query (docs/data-model.md#the-claim-query): WHERE status='WAITING' AND
// scheduled_for <= NOW() ORDER BY queue_type, priority DESC, created_at LIMIT 10 FOR UPDATE SKIP LOCKED.
// The migration declares priority DESC (TypeORM cannot say it) so the index yields rows in exactly
// that order: the query reads ~10 entries and locks only those. With a (status, scheduled_for)
// index instead, the optimizer range-scans every due entry, sorts them, and locks them all, so a
// concurrent claimer gets nothing (claim-query.int-spec.ts). queue_type sorts by enum index:
// HIGH_PRIORITY, NORMAL, LOW_PRIORITY.
@Index('idx_queues_claim', ['status', 'queueType', 'priority', 'createdAt', 'scheduledFor'])
@Index('idx_queues_task', ['taskId'])
@Index('idx_queues_job_status', ['jobId', 'status', 'scheduledFor'])
// Lease recovery has no index of its own: the sweeper walks the PROCESSING range of idx_queues_claim.
export class CrawlingQueue {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /**
   * The partitioning column, so the table's primary key is (id, created_at). TypeORM identifies a
   * row by id alone (AUTO_INCREMENT makes it unique on its own): with created_at in the mapped key,
   * a repository insert could not find the new row without knowing its created_at first.
   */
  /** Whole seconds: the partition key (see the migration: UNIX_TIMESTAMP() must stay an integer). */
  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamp',
    precision: 0,
    default: () => 'CURRENT_TIMESTAMP',
  })
  createdAt!: Date;

  @Column({ name: 'queue_type', type: 'enum', enum: QUEUE_TYPES, default: 'NORMAL' })
  queueType!: QueueType;

  @Column({ name: 'stage', type: 'enum', enum: QUEUE_STAGES })
  stage!: QueueStage;

  @Column({ name: 'job_id', type: 'bigint', nullable: true })
  jobId!: string | null;

  @Column({ name: 'task_id', type: 'bigint', nullable: true })
  taskId!: string | null;

  @Column({ name: 'priority', type: 'int', default: 5 })
  priority!: number;

  @Column({ name: 'status', type: 'enum', enum: QUEUE_STATUSES, default: 'WAITING' })
  status!: QueueStatus;

  @Column({ name: 'scheduled_for', type: 'timestamp', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  scheduledFor!: Date;

  @Column({ name: 'attempt_count', type: 'int', default: 0 })
  attemptCount!: number;

  /** JSON text: the message body published to RabbitMQ. */
  @Column({ name: 'payload', type: 'text', nullable: true })
  payload!: string | null;

  @Column({ name: 'dispatched_at', type: 'timestamp', precision: 3, nullable: true })
  dispatchedAt!: Date | null;

  @Column({ name: 'lease_until', type: 'timestamp', precision: 3, nullable: true })
  leaseUntil!: Date | null;

  /**
   * Times a redelivered message of this entry ran alone on a worker without a result: a worker
   * that dies (or hangs) on one task counts here, its bystanders do not (docs/adr/0011).
   */
  @Column({ name: 'quarantine_starts', type: 'int', default: 0 })
  quarantineStarts!: number;

  /** Leases of this entry that ran out since its last result (see quarantine_starts). */
  @Column({ name: 'lease_expiries', type: 'int', default: 0 })
  leaseExpiries!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @UpdateDateColumn({
    name: 'updated_at',
    type: 'timestamp',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
    onUpdate: 'CURRENT_TIMESTAMP(3)',
  })
  updatedAt!: Date;
}
