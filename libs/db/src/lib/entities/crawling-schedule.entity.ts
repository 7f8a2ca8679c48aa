import { SCHEDULE_TYPES, type ScheduleType } from '@crawlflow/contracts';
import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Relation,
  UpdateDateColumn,
} from 'typeorm';
import { CrawlTarget } from './crawl-target.entity';
import { CrawlingWorkflow } from './crawling-workflow.entity';
import { MissedRunPolicy, OverlapPolicy } from './schedule-policy.enums';

@Entity({ name: 'crawling_schedules' })
// The scheduler's due lookup: WHERE is_active AND next_run_at <= NOW().
@Index('idx_schedules_due', ['isActive', 'nextRunAt'])
@Index('idx_schedules_workflow', ['workflowId'])
@Index('idx_schedules_target', ['targetId'])
// The scheduler's claim: active, not deleted, due; priority breaks ties.
@Index('idx_schedules_claim', ['isActive', 'deletedAt', 'nextRunAt', 'priority'])
@Index('idx_schedules_type', ['scheduleType', 'deletedAt'])
export class CrawlingSchedule {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'workflow_id', type: 'bigint' })
  workflowId!: string;

  @ManyToOne(() => CrawlingWorkflow, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workflow_id', foreignKeyConstraintName: 'fk_schedules_workflow' })
  workflow?: Relation<CrawlingWorkflow>;

  @Column({ name: 'target_id', type: 'bigint', nullable: true })
  targetId!: string | null;

  // CASCADE: a schedule for a target that no longer exists has nothing to crawl.
  @ManyToOne(() => CrawlTarget, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'target_id', foreignKeyConstraintName: 'fk_schedules_target' })
  target?: Relation<CrawlTarget>;

  @Column({ name: 'schedule_type', type: 'enum', enum: SCHEDULE_TYPES, default: 'FIXED' })
  scheduleType!: ScheduleType;

  @Column({ name: 'cron_expression', type: 'varchar', length: 100, nullable: true })
  cronExpression!: string | null;

  /** IANA zone the cron expression is evaluated in. */
  @Column({ name: 'timezone', type: 'varchar', length: 64, default: 'UTC' })
  timezone!: string;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ name: 'priority', type: 'int', default: 5 })
  priority!: number;

  @Column({ name: 'next_run_at', type: 'timestamp', precision: null, nullable: true })
  nextRunAt!: Date | null;

  @Column({ name: 'last_run_at', type: 'timestamp', precision: null, nullable: true })
  lastRunAt!: Date | null;

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

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamp', precision: null, nullable: true })
  deletedAt!: Date | null;

  /** SKIP: missed due times are logged and skipped; RUN_ONCE: the latest one within the window fires. */
  @Column({
    name: 'missed_run_policy',
    type: 'enum',
    enum: MissedRunPolicy,
    default: MissedRunPolicy.SKIP,
  })
  missedRunPolicy!: MissedRunPolicy;

  /** RUN_ONCE only; NULL means the scheduler's default (SCHEDULER_CATCH_UP_WINDOW_SECONDS). */
  @Column({ name: 'catch_up_window_seconds', type: 'int', nullable: true })
  catchUpWindowSeconds!: number | null;

  /** What a due run does while the schedule's previous job is still PENDING or RUNNING. */
  @Column({ name: 'overlap_policy', type: 'enum', enum: OverlapPolicy, default: OverlapPolicy.SKIP })
  overlapPolicy!: OverlapPolicy;

  /** DYNAMIC: the current adaptive interval (Nutch's AdaptiveFetchSchedule). */
  @Column({ name: 'interval_seconds', type: 'int', nullable: true })
  intervalSeconds!: number | null;

  @Column({ name: 'min_interval_seconds', type: 'int', default: 60 })
  minIntervalSeconds!: number;

  @Column({ name: 'max_interval_seconds', type: 'int', default: 31_536_000 })
  maxIntervalSeconds!: number;

  // A function default: TypeORM renders a numeric default with toFixed(scale), and double has no scale.
  @Column({ name: 'inc_rate', type: 'double', default: () => '0.4' })
  incRate!: number;

  @Column({ name: 'dec_rate', type: 'double', default: () => '0.2' })
  decRate!: number;
}
