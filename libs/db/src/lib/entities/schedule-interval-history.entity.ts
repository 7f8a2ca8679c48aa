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
import { CrawlingSchedule } from './crawling-schedule.entity';

/**
 * One row per finished job of a DYNAMIC schedule: the interval before and after. The unique job_id
 * is also the marker that the job has been adjusted for, so each job moves the interval once
 * however many scheduler replicas see it finish.
 */
@Entity({ name: 'schedule_interval_history' })
@Unique('uq_interval_history_job', ['jobId'])
@Index('idx_interval_history_schedule', ['scheduleId', 'id'])
export class ScheduleIntervalHistory {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'schedule_id', type: 'bigint' })
  scheduleId!: string;

  @ManyToOne(() => CrawlingSchedule, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'schedule_id', foreignKeyConstraintName: 'fk_interval_history_schedule' })
  schedule?: Relation<CrawlingSchedule>;

  @Column({ name: 'job_id', type: 'bigint' })
  jobId!: string;

  @Column({ name: 'job_status', type: 'varchar', length: 20 })
  jobStatus!: string;

  @Column({ name: 'changed_items', type: 'int', default: 0 })
  changedItems!: number;

  @Column({ name: 'old_interval_seconds', type: 'int' })
  oldIntervalSeconds!: number;

  @Column({ name: 'new_interval_seconds', type: 'int' })
  newIntervalSeconds!: number;

  @Column({ name: 'created_at', type: 'timestamp', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  createdAt!: Date;
}
