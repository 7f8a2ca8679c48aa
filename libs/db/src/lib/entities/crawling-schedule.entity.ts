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
import { ScheduleType } from '../enums';
import { CrawlTarget } from './crawl-target.entity';
import { CrawlingWorkflow } from './crawling-workflow.entity';

@Entity({ name: 'crawling_schedules' })
// The scheduler's due lookup: WHERE is_active AND next_run_at <= NOW().
@Index('idx_schedules_due', ['isActive', 'nextRunAt'])
@Index('idx_schedules_workflow', ['workflowId'])
@Index('idx_schedules_target', ['targetId'])
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

  @Column({ name: 'schedule_type', type: 'enum', enum: ScheduleType, default: ScheduleType.FIXED })
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
}
