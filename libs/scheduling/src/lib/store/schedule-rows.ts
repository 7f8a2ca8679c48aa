import type { EntityManager } from 'typeorm';
import { fireTimes, FireTime } from '../cron/cron-schedule';

/** crawling_schedules as the API shows it: the row's columns, snake_case. */
export interface ScheduleRow {
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

export const SCHEDULE_COLUMNS = `id, workflow_id, target_id, schedule_type, cron_expression, timezone, is_active,
  priority, next_run_at, last_run_at, created_at, updated_at, deleted_at, missed_run_policy,
  catch_up_window_seconds, overlap_policy, interval_seconds, min_interval_seconds, max_interval_seconds,
  inc_rate, dec_rate`;

type RawRow = Record<string, unknown>;

const optionalId = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

export function toScheduleRow(raw: RawRow): ScheduleRow {
  return {
    ...(raw as unknown as ScheduleRow),
    id: String(raw.id),
    workflow_id: String(raw.workflow_id),
    target_id: optionalId(raw.target_id),
    is_active: Boolean(Number(raw.is_active)),
    priority: Number(raw.priority),
    catch_up_window_seconds:
      raw.catch_up_window_seconds === null ? null : Number(raw.catch_up_window_seconds),
    interval_seconds: raw.interval_seconds === null ? null : Number(raw.interval_seconds),
    min_interval_seconds: Number(raw.min_interval_seconds),
    max_interval_seconds: Number(raw.max_interval_seconds),
    inc_rate: Number(raw.inc_rate),
    dec_rate: Number(raw.dec_rate),
  };
}

export async function selectSchedule(
  manager: EntityManager,
  id: string,
  opts: { includeDeleted?: boolean; lock?: boolean } = {},
): Promise<ScheduleRow | null> {
  if (!/^\d{1,19}$/.test(id)) return null;
  const rows = (await manager.query(
    `SELECT ${SCHEDULE_COLUMNS} FROM crawling_schedules WHERE id = ?${
      opts.includeDeleted ? '' : ' AND deleted_at IS NULL'
    }${opts.lock ? ' FOR UPDATE' : ''}`,
    [id],
  )) as RawRow[];
  return rows[0] ? toScheduleRow(rows[0]) : null;
}

/** The schedule's due-time series (FIXED: cron; DYNAMIC: fixed steps of the current interval). */
export function dueSeries(schedule: ScheduleRow): ((after: Date) => FireTime) | null {
  if (schedule.schedule_type === 'FIXED' && schedule.cron_expression) {
    const expression = schedule.cron_expression;
    return (after) => fireTimes(expression, schedule.timezone, after)();
  }
  if (schedule.schedule_type === 'DYNAMIC' && schedule.interval_seconds) {
    const stepMs = schedule.interval_seconds * 1000;
    return (after) => ({ at: new Date(after.getTime() + stepMs) });
  }
  return null;
}

/** next_run_at for a schedule (re)armed at `now`: FIXED the next cron time, DYNAMIC now, MANUAL none. */
export function initialNextRunAt(schedule: ScheduleRow, now: Date): Date | null {
  if (!schedule.is_active) return null;
  if (schedule.schedule_type === 'FIXED' && schedule.cron_expression) {
    return fireTimes(schedule.cron_expression, schedule.timezone, now)().at;
  }
  if (schedule.schedule_type === 'DYNAMIC') {
    if (schedule.last_run_at && schedule.interval_seconds) {
      const next = schedule.last_run_at.getTime() + schedule.interval_seconds * 1000;
      return new Date(Math.max(next, Math.ceil(now.getTime() / 1000) * 1000));
    }
    return new Date(Math.ceil(now.getTime() / 1000) * 1000);
  }
  return null;
}

export async function dbNow(manager: EntityManager): Promise<Date> {
  const [row] = (await manager.query('SELECT NOW(3) AS now')) as Array<{ now: Date }>;
  return new Date(row.now);
}
