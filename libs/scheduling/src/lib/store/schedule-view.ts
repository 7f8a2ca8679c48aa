import type { CrawlingSchedule, ScheduleValues } from '@crawlflow/db';
import { MissedRunPolicy, OverlapPolicy } from '@crawlflow/db';
import type { ScheduleFields } from './schedule-input';

/** A schedule as the API shows it: its columns, snake_case like the request bodies. */
export interface ScheduleView {
  id: string;
  workflow_id: string;
  target_id: string | null;
  schedule_type: 'FIXED' | 'DYNAMIC' | 'MANUAL';
  cron_expression: string | null;
  timezone: string;
  is_active: boolean;
  priority: number;
  next_run_at: Date | null;
  last_run_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  missed_run_policy: 'SKIP' | 'RUN_ONCE';
  catch_up_window_seconds: number | null;
  overlap_policy: 'SKIP' | 'QUEUE' | 'ALLOW';
  interval_seconds: number | null;
  min_interval_seconds: number;
  max_interval_seconds: number;
  inc_rate: number;
  dec_rate: number;
}

export function toScheduleView(schedule: CrawlingSchedule): ScheduleView {
  return {
    id: schedule.id,
    workflow_id: schedule.workflowId,
    target_id: schedule.targetId,
    schedule_type: schedule.scheduleType,
    cron_expression: schedule.cronExpression,
    timezone: schedule.timezone,
    is_active: schedule.isActive,
    priority: schedule.priority,
    next_run_at: schedule.nextRunAt,
    last_run_at: schedule.lastRunAt,
    created_at: schedule.createdAt,
    updated_at: schedule.updatedAt,
    deleted_at: schedule.deletedAt,
    missed_run_policy: schedule.missedRunPolicy,
    catch_up_window_seconds: schedule.catchUpWindowSeconds,
    overlap_policy: schedule.overlapPolicy,
    interval_seconds: schedule.intervalSeconds,
    min_interval_seconds: schedule.minIntervalSeconds,
    max_interval_seconds: schedule.maxIntervalSeconds,
    inc_rate: schedule.incRate,
    dec_rate: schedule.decRate,
  };
}

/** The validated body as the columns it writes (next_run_at is decided by the caller). */
export function toScheduleValues(fields: ScheduleFields, nextRunAt: Date | null): ScheduleValues {
  return {
    workflowId: fields.workflow_id,
    targetId: fields.target_id,
    scheduleType: fields.schedule_type,
    cronExpression: fields.cron_expression,
    timezone: fields.timezone,
    priority: fields.priority,
    isActive: fields.is_active,
    missedRunPolicy: MissedRunPolicy[fields.missed_run_policy],
    catchUpWindowSeconds: fields.catch_up_window_seconds,
    overlapPolicy: OverlapPolicy[fields.overlap_policy],
    intervalSeconds: fields.interval_seconds,
    minIntervalSeconds: fields.min_interval_seconds,
    maxIntervalSeconds: fields.max_interval_seconds,
    incRate: fields.inc_rate,
    decRate: fields.dec_rate,
    nextRunAt,
  };
}
