import { createJob, EngineError } from '@crawlflow/engine';
import type { DataSource, EntityManager } from 'typeorm';
import { dstNoteFor } from '../cron/cron-schedule';
import { planDueRuns } from '../policy/due-runs';
import { dueSeries, ScheduleRow, SCHEDULE_COLUMNS, toScheduleRow } from '../store/schedule-rows';
import { DecisionRow, insertDecisions } from './decisions';

export interface ClaimOptions {
  batchSize: number;
  catchUpWindowSeconds: number;
  misfireGraceMs: number;
}

export interface ClaimStats {
  claimed: number;
  fired: number;
  skippedOverlap: number;
  missed: number;
  failed: number;
}

interface ActiveJobs {
  pending?: string;
  running?: string;
}

/**
 * One claim: due schedules locked with SKIP LOCKED (another replica takes the next ones), their
 * jobs created and next_run_at advanced in the same READ COMMITTED transaction. Even if two replicas
 * saw the same due time (a row changed under a stale read, clock skew), uq_jobs_schedule_run lets
 * only one job exist for it.
 */
export async function claimDueSchedules(dataSource: DataSource, options: ClaimOptions): Promise<ClaimStats> {
  const stats: ClaimStats = { claimed: 0, fired: 0, skippedOverlap: 0, missed: 0, failed: 0 };
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction('READ COMMITTED');
    const manager = runner.manager;
    const rows = (
      (await manager.query(
        `SELECT ${SCHEDULE_COLUMNS}, NOW(3) AS db_now FROM crawling_schedules
         WHERE is_active = 1 AND deleted_at IS NULL AND schedule_type <> 'MANUAL' AND next_run_at <= NOW(3)
         ORDER BY priority DESC, next_run_at LIMIT ? FOR UPDATE SKIP LOCKED`,
        [options.batchSize],
      )) as Array<Record<string, unknown>>
    ).map((raw) => ({ schedule: toScheduleRow(raw), now: new Date(raw.db_now as Date) }));
    stats.claimed = rows.length;
    if (rows.length === 0) {
      await runner.commitTransaction();
      return stats;
    }
    const active = await activeJobs(
      manager,
      rows.map((r) => r.schedule.id),
    );
    const decisions: DecisionRow[] = [];
    const updates: Array<{ id: string; nextRunAt: Date | null; lastRunAt: Date | null }> = [];

    for (const { schedule, now } of rows) {
      const series = dueSeries(schedule);
      if (!series || !schedule.next_run_at) {
        // A FIXED schedule without an expression (or DYNAMIC without interval) cannot fire: disarm it.
        updates.push({ id: schedule.id, nextRunAt: null, lastRunAt: null });
        continue;
      }
      const plan = planDueRuns({
        dueAt: schedule.next_run_at,
        now,
        policy: schedule.missed_run_policy,
        catchUpWindowMs: (schedule.catch_up_window_seconds ?? options.catchUpWindowSeconds) * 1000,
        misfireGraceMs: options.misfireGraceMs,
        next: series,
      });
      for (const at of plan.missed) {
        decisions.push({
          scheduleId: schedule.id,
          dueAt: at,
          decision: 'MISSED',
          reason: `not run in time (policy ${schedule.missed_run_policy})`,
        });
      }
      if (plan.missedTotal > plan.missed.length) {
        decisions.push({
          scheduleId: schedule.id,
          dueAt: null,
          decision: 'MISSED',
          reason: `${plan.missedTotal - plan.missed.length} more due times missed (not listed one by one)`,
        });
      }
      stats.missed += plan.missedTotal;
      let lastRunAt: Date | null = null;
      if (plan.fire) {
        const outcome = await fire(manager, schedule, plan.fire.at, active.get(schedule.id) ?? {});
        const notes = [
          plan.fire.catchUp ? 'catch-up of a missed run (RUN_ONCE)' : null,
          schedule.schedule_type === 'FIXED' && schedule.cron_expression
            ? dstNoteFor(schedule.cron_expression, schedule.timezone, plan.fire.at)
            : null,
          outcome.reason,
        ].filter(Boolean);
        decisions.push({
          scheduleId: schedule.id,
          dueAt: plan.fire.at,
          decision: outcome.decision,
          jobId: outcome.jobId,
          reason: notes.length > 0 ? notes.join('; ') : null,
        });
        if (outcome.decision === 'FIRED') {
          stats.fired += 1;
          lastRunAt = now;
        } else if (outcome.decision === 'SKIPPED_OVERLAP') stats.skippedOverlap += 1;
        else stats.failed += 1;
      }
      // DYNAMIC: the next run is last_run_at + interval until the job's outcome adjusts the interval.
      const nextRunAt =
        schedule.schedule_type === 'DYNAMIC' && lastRunAt && schedule.interval_seconds
          ? new Date(Math.ceil(lastRunAt.getTime() / 1000) * 1000 + schedule.interval_seconds * 1000)
          : plan.nextRunAt;
      updates.push({ id: schedule.id, nextRunAt, lastRunAt });
    }

    await insertDecisions(manager, decisions);
    await advanceSchedules(manager, updates);
    await runner.commitTransaction();
    return stats;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

interface FireOutcome {
  decision: 'FIRED' | 'SKIPPED_OVERLAP' | 'MISSED';
  jobId?: string | null;
  reason?: string | null;
}

async function fire(
  manager: EntityManager,
  schedule: ScheduleRow,
  dueAt: Date,
  jobs: ActiveJobs,
): Promise<FireOutcome> {
  const busy = jobs.running ?? jobs.pending;
  if (busy && schedule.overlap_policy === 'SKIP') {
    return {
      decision: 'SKIPPED_OVERLAP',
      reason: `job ${busy} is still ${jobs.running ? 'RUNNING' : 'PENDING'}`,
    };
  }
  if (schedule.overlap_policy === 'QUEUE' && jobs.pending) {
    return { decision: 'SKIPPED_OVERLAP', reason: `job ${jobs.pending} is already queued (QUEUE keeps one)` };
  }
  try {
    const job = await createJob(manager, {
      workflowId: schedule.workflow_id,
      targetId: schedule.target_id,
      scheduleId: schedule.id,
      scheduledAt: dueAt,
      priority: schedule.priority,
    });
    let reason: string | null = job.created ? null : 'the job for this due time already existed';
    if (job.created && schedule.overlap_policy === 'QUEUE' && jobs.running) {
      // The queued job waits for the running one to finish (the orchestrator honours dependencies).
      await manager.query(
        "INSERT INTO job_dependencies (job_id, depends_on_job_id, dependency_type) VALUES (?, ?, 'FINISH')",
        [job.id, jobs.running],
      );
      reason = `queued behind running job ${jobs.running}`;
    }
    return { decision: 'FIRED', jobId: job.id, reason };
  } catch (error) {
    // Bad references (workflow inactive or gone) are the schedule's problem, not the batch's.
    if (error instanceof EngineError)
      return { decision: 'MISSED', reason: `no job created: ${error.message}` };
    throw error;
  }
}

async function activeJobs(manager: EntityManager, scheduleIds: string[]): Promise<Map<string, ActiveJobs>> {
  const rows = (await manager.query(
    `SELECT schedule_id, status, MAX(id) AS job_id FROM crawling_jobs
     WHERE schedule_id IN (?) AND status IN ('PENDING', 'RUNNING') GROUP BY schedule_id, status`,
    [scheduleIds],
  )) as Array<{ schedule_id: string; status: string; job_id: string }>;
  const result = new Map<string, ActiveJobs>();
  for (const row of rows) {
    const entry = result.get(String(row.schedule_id)) ?? {};
    if (row.status === 'RUNNING') entry.running = String(row.job_id);
    else entry.pending = String(row.job_id);
    result.set(String(row.schedule_id), entry);
  }
  return result;
}

/** One UPDATE for the whole batch (CASE per id) instead of one round trip per schedule. */
async function advanceSchedules(
  manager: EntityManager,
  updates: Array<{ id: string; nextRunAt: Date | null; lastRunAt: Date | null }>,
): Promise<void> {
  if (updates.length === 0) return;
  const nextCases = updates.map(() => 'WHEN ? THEN ?').join(' ');
  const fired = updates.filter((u) => u.lastRunAt);
  const lastCases = fired.map(() => 'WHEN ? THEN ?').join(' ');
  const params: unknown[] = updates.flatMap((u) => [u.id, u.nextRunAt]);
  if (fired.length > 0) params.push(...fired.flatMap((u) => [u.id, u.lastRunAt]));
  params.push(updates.map((u) => u.id));
  await manager.query(
    `UPDATE crawling_schedules SET next_run_at = CASE id ${nextCases} END${
      fired.length > 0 ? `, last_run_at = CASE id ${lastCases} ELSE last_run_at END` : ''
    } WHERE id IN (?)`,
    params,
  );
}
