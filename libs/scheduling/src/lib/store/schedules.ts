import { createJob, invalid, notFound } from '@crawlflow/engine';
import type { EntityManager } from 'typeorm';
import { nextFireTimes } from '../cron/cron-schedule';
import { insertDecisions } from '../tick/decisions';
import { ScheduleFields, validateScheduleInput } from './schedule-input';
import {
  dbNow,
  initialNextRunAt,
  SCHEDULE_COLUMNS,
  ScheduleRow,
  selectSchedule,
  toScheduleRow,
} from './schedule-rows';

export interface ScheduleDecisionView {
  id: string;
  due_at: Date | null;
  decision: string;
  job_id: string | null;
  reason: string | null;
  created_at: Date;
}

export interface IntervalChangeView {
  id: string;
  job_id: string;
  job_status: string;
  changed_items: number;
  old_interval_seconds: number;
  new_interval_seconds: number;
  created_at: Date;
}

export interface ScheduleDetail extends ScheduleRow {
  next_fire_times: Date[];
  recent_decisions: ScheduleDecisionView[];
  interval_history: IntervalChangeView[];
}

async function assertReferences(manager: EntityManager, fields: ScheduleFields): Promise<void> {
  const [workflow] = (await manager.query('SELECT id FROM crawling_workflows WHERE id = ?', [
    fields.workflow_id,
  ])) as unknown[];
  if (!workflow) throw invalid(`workflow ${fields.workflow_id} does not exist`, 'workflow_id');
  if (fields.target_id) {
    const [target] = (await manager.query('SELECT id FROM crawl_targets WHERE id = ?', [
      fields.target_id,
    ])) as unknown[];
    if (!target) throw invalid(`target ${fields.target_id} does not exist`, 'target_id');
  }
}

const WRITABLE = [
  'target_id',
  'schedule_type',
  'cron_expression',
  'timezone',
  'priority',
  'is_active',
  'missed_run_policy',
  'catch_up_window_seconds',
  'overlap_policy',
  'interval_seconds',
  'min_interval_seconds',
  'max_interval_seconds',
  'inc_rate',
  'dec_rate',
] as const;

/** Validates, computes next_run_at (FIXED: next cron time; DYNAMIC: now; MANUAL: none) and inserts. */
export async function createSchedule(manager: EntityManager, input: unknown): Promise<ScheduleRow> {
  const fields = validateScheduleInput(input);
  await assertReferences(manager, fields);
  const now = await dbNow(manager);
  const nextRunAt = initialNextRunAt({ ...fields, last_run_at: null } as ScheduleRow, now);
  const columns = ['workflow_id', ...WRITABLE, 'next_run_at'];
  const result = (await manager.query(
    `INSERT INTO crawling_schedules (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    [fields.workflow_id, ...WRITABLE.map((key) => fields[key]), nextRunAt],
  )) as { insertId: number };
  return (await selectSchedule(manager, String(result.insertId))) as ScheduleRow;
}

/**
 * Applies a patch. next_run_at is recomputed from now when anything that decides it changes
 * (type, expression, zone, interval, activation); otherwise the pending due time is kept.
 */
export async function updateSchedule(
  manager: EntityManager,
  id: string,
  patch: unknown,
): Promise<ScheduleRow> {
  const current = await selectSchedule(manager, id, { lock: true });
  if (!current) throw notFound(`schedule ${id} does not exist`);
  const fields = validateScheduleInput(patch, current);
  await assertReferences(manager, fields);
  const rearm =
    fields.schedule_type !== current.schedule_type ||
    fields.cron_expression !== current.cron_expression ||
    fields.timezone !== current.timezone ||
    fields.interval_seconds !== current.interval_seconds ||
    fields.is_active !== current.is_active;
  const nextRunAt = rearm
    ? initialNextRunAt({ ...current, ...fields } as ScheduleRow, await dbNow(manager))
    : current.next_run_at;
  await manager.query(
    `UPDATE crawling_schedules SET ${WRITABLE.map((key) => `${key} = ?`).join(', ')}, next_run_at = ? WHERE id = ?`,
    [...WRITABLE.map((key) => fields[key]), nextRunAt, id],
  );
  return (await selectSchedule(manager, id)) as ScheduleRow;
}

/** Sets deleted_at: the schedule never fires again; its jobs and decision log stay. */
export async function softDeleteSchedule(manager: EntityManager, id: string): Promise<void> {
  const current = await selectSchedule(manager, id, { lock: true });
  if (!current) throw notFound(`schedule ${id} does not exist`);
  await manager.query('UPDATE crawling_schedules SET deleted_at = NOW(3), next_run_at = NULL WHERE id = ?', [
    id,
  ]);
}

export async function getSchedule(
  manager: EntityManager,
  id: string,
  opts: { decisions?: number; history?: number } = {},
): Promise<ScheduleDetail> {
  const schedule = await selectSchedule(manager, id);
  if (!schedule) throw notFound(`schedule ${id} does not exist`);
  const decisions = (await manager.query(
    `SELECT id, due_at, decision, job_id, reason, created_at FROM schedule_decisions
     WHERE schedule_id = ? ORDER BY id DESC LIMIT ?`,
    [id, opts.decisions ?? 20],
  )) as Array<Record<string, unknown>>;
  const history = (await manager.query(
    `SELECT id, job_id, job_status, changed_items, old_interval_seconds, new_interval_seconds, created_at
     FROM schedule_interval_history WHERE schedule_id = ? ORDER BY id DESC LIMIT ?`,
    [id, opts.history ?? 20],
  )) as Array<Record<string, unknown>>;
  const from = schedule.next_run_at ? new Date(schedule.next_run_at.getTime() - 1) : new Date();
  return {
    ...schedule,
    next_fire_times: schedule.is_active
      ? nextFireTimes(
          {
            scheduleType: schedule.schedule_type,
            cronExpression: schedule.cron_expression,
            timezone: schedule.timezone,
            intervalSeconds: schedule.interval_seconds,
            nextRunAt: schedule.next_run_at,
          },
          5,
          from,
        )
      : [],
    recent_decisions: decisions.map((row) => ({
      ...(row as unknown as ScheduleDecisionView),
      id: String(row.id),
      job_id: row.job_id === null ? null : String(row.job_id),
    })),
    interval_history: history.map((row) => ({
      ...(row as unknown as IntervalChangeView),
      id: String(row.id),
      job_id: String(row.job_id),
      changed_items: Number(row.changed_items),
    })),
  };
}

export interface ScheduleList {
  data: ScheduleRow[];
  next_cursor: string | null;
}

/** Newest first; `cursor` is the opaque next_cursor of the previous page. */
export async function listSchedules(
  manager: EntityManager,
  opts: { limit?: number; cursor?: string | null; workflow_id?: string } = {},
): Promise<ScheduleList> {
  const limit = opts.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalid('limit must be 1 to 500', 'limit');
  let before: string | null = null;
  if (opts.cursor) {
    before = Buffer.from(opts.cursor, 'base64url').toString('utf8');
    if (!/^\d{1,19}$/.test(before)) throw invalid('cursor is not one this API returned', 'cursor');
  }
  const where = ['deleted_at IS NULL'];
  const params: unknown[] = [];
  if (before) {
    where.push('id < ?');
    params.push(before);
  }
  if (opts.workflow_id) {
    where.push('workflow_id = ?');
    params.push(opts.workflow_id);
  }
  const rows = (await manager.query(
    `SELECT ${SCHEDULE_COLUMNS} FROM crawling_schedules WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`,
    [...params, limit + 1],
  )) as Array<Record<string, unknown>>;
  const data = rows.slice(0, limit).map(toScheduleRow);
  const next = rows.length > limit ? Buffer.from(data[data.length - 1].id).toString('base64url') : null;
  return { data, next_cursor: next };
}

/**
 * "Run now": a job for any schedule type (MANUAL schedules only run this way), whatever its
 * activation and overlap policy — the caller asked for it. Logged as MANUAL_FIRED.
 */
export async function fireSchedule(
  manager: EntityManager,
  scheduleId: string,
): Promise<{ job_id: string; created: boolean; scheduled_at: Date }> {
  const schedule = await selectSchedule(manager, scheduleId, { lock: true });
  if (!schedule) throw notFound(`schedule ${scheduleId} does not exist`);
  const now = await dbNow(manager);
  const job = await createJob(manager, {
    workflowId: schedule.workflow_id,
    targetId: schedule.target_id,
    scheduleId: schedule.id,
    scheduledAt: now,
    priority: schedule.priority,
  });
  await manager.query('UPDATE crawling_schedules SET last_run_at = ? WHERE id = ?', [now, schedule.id]);
  await insertDecisions(manager, [
    { scheduleId: schedule.id, dueAt: now, decision: 'MANUAL_FIRED', jobId: job.id, reason: 'run now' },
  ]);
  return { job_id: job.id, created: job.created, scheduled_at: now };
}
