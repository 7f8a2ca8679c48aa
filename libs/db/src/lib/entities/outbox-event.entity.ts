import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A job event written in the transaction that decided it, relayed to crawl.events (at least once). */
@Entity({ name: 'outbox_events' })
@Index('idx_outbox_unpublished', ['publishedAt', 'id'])
export class OutboxEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'exchange', type: 'varchar', length: 100 })
  exchange!: string;

  @Column({ name: 'routing_key', type: 'varchar', length: 100 })
  routingKey!: string;

  @Column({ name: 'body', type: 'text' })
  body!: string;

  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamp',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamp', precision: 3, nullable: true })
  publishedAt!: Date | null;
}
