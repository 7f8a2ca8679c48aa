import {
  IntervalHistoryRepository,
  ScheduleDecisionsRepository,
  ScheduleDecisionType,
  SchedulesRepository,
} from '@crawlflow/db';
import { createJob, invalid, notFound } from '@crawlflow/engine';
import type { EntityManager } from 'typeorm';
import { nextFireTimes } from '../cron/cron-schedule';
import { initialNextRunAt } from '../policy/next-run';
import { ScheduleFields, validateScheduleInput } from './schedule-input';
import { ScheduleView, toScheduleValues, toScheduleView } from './schedule-view';

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

export interface ScheduleDetail extends ScheduleView {
  next_fire_times: Date[];
  recent_decisions: ScheduleDecisionView[];
  interval_history: IntervalChangeView[];
}

async function assertReferences(manager: EntityManager, fields: ScheduleFields): Promise<void> {
  const missing = await SchedulesRepository.missingReference(manager, {
    workflowId: fields.workflow_id,
    targetId: fields.target_id,
  });
  if (missing === 'workflow') throw invalid(`workflow ${fields.workflow_id} does not exist`, 'workflow_id');
  if (missing === 'target') throw invalid(`target ${fields.target_id} does not exist`, 'target_id');
}

/** Validates, computes next_run_at (FIXED: next cron time; DYNAMIC: now; MANUAL: none) and inserts. */
export async function createSchedule(manager: EntityManager, input: unknown): Promise<ScheduleView> {
  const fields = validateScheduleInput(input);
  await assertReferences(manager, fields);
  const now = await SchedulesRepository.now(manager);
  const values = toScheduleValues(fields, null);
  values.nextRunAt = initialNextRunAt({ ...values, lastRunAt: null }, now);
  return toScheduleView(await SchedulesRepository.create(manager, values));
}

/**
 * Applies a patch. next_run_at is recomputed from now when anything that decides it changes
 * (type, expression, zone, interval, activation); otherwise the pending due time is kept.
 */
export async function updateSchedule(
  manager: EntityManager,
  id: string,
  patch: unknown,
): Promise<ScheduleView> {
  const current = await SchedulesRepository.findById(manager, id, { lock: true });
  if (!current) throw notFound(`schedule ${id} does not exist`);
  const fields = validateScheduleInput(patch, toScheduleView(current));
  await assertReferences(manager, fields);
  const values = toScheduleValues(fields, current.nextRunAt);
  const rearm =
    values.scheduleType !== current.scheduleType ||
    values.cronExpression !== current.cronExpression ||
    values.timezone !== current.timezone ||
    values.intervalSeconds !== current.intervalSeconds ||
    values.isActive !== current.isActive;
  if (rearm) {
    values.nextRunAt = initialNextRunAt(
      { ...values, lastRunAt: current.lastRunAt },
      await SchedulesRepository.now(manager),
    );
  }
  const { workflowId: _unchanged, ...changes } = values;
  await SchedulesRepository.update(manager, id, changes);
  const updated = await SchedulesRepository.findById(manager, id);
  if (!updated) throw notFound(`schedule ${id} does not exist`);
  return toScheduleView(updated);
}

/** Sets deleted_at: the schedule never fires again; its jobs and decision log stay. */
export async function softDeleteSchedule(manager: EntityManager, id: string): Promise<void> {
  const current = await SchedulesRepository.findById(manager, id, { lock: true });
  if (!current) throw notFound(`schedule ${id} does not exist`);
  await SchedulesRepository.softDelete(manager, id);
}

export async function getSchedule(
  manager: EntityManager,
  id: string,
  opts: { decisions?: number; history?: number } = {},
): Promise<ScheduleDetail> {
  const schedule = await SchedulesRepository.findById(manager, id);
  if (!schedule) throw notFound(`schedule ${id} does not exist`);
  const decisions = await ScheduleDecisionsRepository.recent(manager, id, opts.decisions ?? 20);
  const history = await IntervalHistoryRepository.recent(manager, id, opts.history ?? 20);
  const from = schedule.nextRunAt ? new Date(schedule.nextRunAt.getTime() - 1) : new Date();
  return {
    ...toScheduleView(schedule),
    next_fire_times: schedule.isActive ? nextFireTimes(schedule, 5, from) : [],
    recent_decisions: decisions.map((d) => ({
      id: d.id,
      due_at: d.dueAt,
      decision: d.decision,
      job_id: d.jobId,
      reason: d.reason,
      created_at: d.createdAt,
    })),
    interval_history: history.map((h) => ({
      id: h.id,
      job_id: h.jobId,
      job_status: h.jobStatus,
      changed_items: h.changedItems,
      old_interval_seconds: h.oldIntervalSeconds,
      new_interval_seconds: h.newIntervalSeconds,
      created_at: h.createdAt,
    })),
  };
}

export interface ScheduleList {
  data: ScheduleView[];
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
  const rows = await SchedulesRepository.list(manager, {
    limit: limit + 1,
    beforeId: before,
    workflowId: opts.workflow_id,
  });
  const data = rows.slice(0, limit).map(toScheduleView);
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
  const schedule = await SchedulesRepository.findById(manager, scheduleId, { lock: true });
  if (!schedule) throw notFound(`schedule ${scheduleId} does not exist`);
  const now = await SchedulesRepository.now(manager);
  const job = await createJob(manager, {
    workflowId: schedule.workflowId,
    targetId: schedule.targetId,
    scheduleId: schedule.id,
    scheduledAt: now,
    priority: schedule.priority,
  });
  await SchedulesRepository.markRun(manager, schedule.id, now);
  await ScheduleDecisionsRepository.record(manager, [
    {
      scheduleId: schedule.id,
      dueAt: now,
      decision: ScheduleDecisionType.MANUAL_FIRED,
      jobId: job.id,
      reason: 'run now',
    },
  ]);
  return { job_id: job.id, created: job.created, scheduled_at: now };
}
