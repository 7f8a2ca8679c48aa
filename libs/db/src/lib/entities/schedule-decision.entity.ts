import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { CrawlingSchedule } from './crawling-schedule.entity';
import { ScheduleDecisionType } from './schedule-policy.enums';

/** One row per due time the scheduler decided about (and per manual fire), readable per schedule. */
@Entity({ name: 'schedule_decisions' })
@Index('idx_schedule_decisions_schedule', ['scheduleId', 'id'])
export class ScheduleDecision {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'schedule_id', type: 'bigint' })
  scheduleId!: string;

  @ManyToOne(() => CrawlingSchedule, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'schedule_id', foreignKeyConstraintName: 'fk_schedule_decisions_schedule' })
  schedule?: Relation<CrawlingSchedule>;

  @Column({ name: 'due_at', type: 'timestamp', precision: 3, nullable: true })
  dueAt!: Date | null;

  @Column({ name: 'decision', type: 'enum', enum: ScheduleDecisionType })
  decision!: ScheduleDecisionType;

  /** No foreign key: jobs move to crawling_jobs_archive and keep their ids. */
  @Column({ name: 'job_id', type: 'bigint', nullable: true })
  jobId!: string | null;

  @Column({ name: 'reason', type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  @Column({ name: 'created_at', type: 'timestamp', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  createdAt!: Date;
}
