import {
  ActiveJobs,
  CrawlingSchedule,
  NewScheduleDecision,
  OverlapPolicy,
  ScheduleAdvance,
  ScheduleClaimRepository,
  ScheduleDecisionsRepository,
  ScheduleDecisionType,
} from '@crawlflow/db';
import { createScheduledJobs, EngineError, type CreatedJob, type ScheduledRun } from '@crawlflow/engine';
import type { DataSource, EntityManager } from 'typeorm';
import { dstNoteFor } from '../cron/cron-schedule';
import { planDueRuns } from '../policy/due-runs';
import { dueSeries } from '../policy/next-run';

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

/**
 * One claim: due schedules locked with SKIP LOCKED (another replica takes the next ones), their
 * jobs created and next_run_at advanced in the same READ COMMITTED transaction. Even if two replicas
 * saw the same due time (a row changed under a stale read, clock skew), uq_jobs_schedule_run lets
 * only one job exist for it.
 */
export async function claimDueSchedules(dataSource: DataSource, options: ClaimOptions): Promise<ClaimStats> {
  const stats: ClaimStats = { claimed: 0, fired: 0, skippedOverlap: 0, missed: 0, failed: 0 };
  return dataSource.transaction(async (manager) => {
    const rows = await ScheduleClaimRepository.claimDue(manager, options.batchSize);
    stats.claimed = rows.length;
    if (rows.length === 0) return stats;
    const active = await ScheduleClaimRepository.activeJobsOf(
      manager,
      rows.map((r) => r.schedule.id),
    );
    // First what each schedule owes (missed runs, the run to fire), then the jobs of all the runs
    // that fire in one go, then the decisions and next_run_at of each.
    const owed = rows.map(({ schedule, now }) =>
      owedRuns(schedule, now, options, active.get(schedule.id) ?? {}),
    );
    const firing = owed.flatMap(({ fire }) => (fire && 'run' in fire ? [fire.run] : []));
    const created = firing.length > 0 ? await createScheduledJobs(manager, firing) : [];
    const decisions: NewScheduleDecision[] = [];
    const updates: ScheduleAdvance[] = [];
    let next = 0;
    for (const [index, { schedule, now }] of rows.entries()) {
      const { plan, fire } = owed[index];
      if (!plan) {
        // A FIXED schedule without an expression (or DYNAMIC without interval) cannot fire: disarm it.
        updates.push({ id: schedule.id, nextRunAt: null, lastRunAt: null });
        continue;
      }
      decisions.push(...plan.decisions);
      stats.missed += plan.missedTotal;
      let lastRunAt: Date | null = null;
      if (fire) {
        const outcome =
          'run' in fire ? await fired(manager, schedule, created[next++], fire.running) : fire.skipped;
        const notes = [...fire.notes, outcome.reason].filter(Boolean);
        decisions.push({
          scheduleId: schedule.id,
          dueAt: fire.at,
          decision: outcome.decision,
          jobId: outcome.jobId,
          reason: notes.length > 0 ? notes.join('; ') : null,
        });
        if (outcome.decision === ScheduleDecisionType.FIRED) {
          stats.fired += 1;
          lastRunAt = now;
        } else if (outcome.decision === ScheduleDecisionType.SKIPPED_OVERLAP) stats.skippedOverlap += 1;
        else stats.failed += 1;
      }
      // DYNAMIC: the next run is last_run_at + interval until the job's outcome adjusts the interval.
      const nextRunAt =
        schedule.scheduleType === 'DYNAMIC' && lastRunAt && schedule.intervalSeconds
          ? new Date(Math.ceil(lastRunAt.getTime() / 1000) * 1000 + schedule.intervalSeconds * 1000)
          : plan.nextRunAt;
      updates.push({ id: schedule.id, nextRunAt, lastRunAt });
    }

    await ScheduleDecisionsRepository.record(manager, decisions);
    await ScheduleClaimRepository.advance(manager, updates);
    return stats;
  });
}

interface FireOutcome {
  decision: ScheduleDecisionType.FIRED | ScheduleDecisionType.SKIPPED_OVERLAP | ScheduleDecisionType.MISSED;
  jobId?: string | null;
  reason?: string | null;
}

interface Owed {
  /** Undefined: the schedule cannot fire at all. */
  plan?: { decisions: NewScheduleDecision[]; missedTotal: number; nextRunAt: Date | null };
  /** The due run to fire: the job to create (behind `running` under QUEUE), or why none is. */
  fire?: { at: Date; notes: string[] } & ({ run: ScheduledRun; running?: string } | { skipped: FireOutcome });
}

/** What a due schedule owes now: the runs it missed, and the one to fire unless an overlap forbids it. */
function owedRuns(schedule: CrawlingSchedule, now: Date, options: ClaimOptions, jobs: ActiveJobs): Owed {
  const series = dueSeries(schedule);
  if (!series || !schedule.nextRunAt) return {};
  const plan = planDueRuns({
    dueAt: schedule.nextRunAt,
    now,
    policy: schedule.missedRunPolicy,
    catchUpWindowMs: (schedule.catchUpWindowSeconds ?? options.catchUpWindowSeconds) * 1000,
    misfireGraceMs: options.misfireGraceMs,
    next: series,
  });
  const decisions: NewScheduleDecision[] = plan.missed.map((at) => ({
    scheduleId: schedule.id,
    dueAt: at,
    decision: ScheduleDecisionType.MISSED,
    reason: `not run in time (policy ${schedule.missedRunPolicy})`,
  }));
  if (plan.missedTotal > plan.missed.length) {
    decisions.push({
      scheduleId: schedule.id,
      dueAt: null,
      decision: ScheduleDecisionType.MISSED,
      reason: `${plan.missedTotal - plan.missed.length} more due times missed (not listed one by one)`,
    });
  }
  const owed: Owed = { plan: { decisions, missedTotal: plan.missedTotal, nextRunAt: plan.nextRunAt } };
  if (!plan.fire) return owed;
  const notes = [
    plan.fire.catchUp ? 'catch-up of a missed run (RUN_ONCE)' : null,
    schedule.scheduleType === 'FIXED' && schedule.cronExpression
      ? dstNoteFor(schedule.cronExpression, schedule.timezone, plan.fire.at)
      : null,
  ].filter((note): note is string => Boolean(note));
  const skipped = overlap(schedule, jobs);
  const run: ScheduledRun = {
    scheduleId: schedule.id,
    scheduledAt: plan.fire.at,
    workflowId: schedule.workflowId,
    targetId: schedule.targetId,
    priority: schedule.priority,
  };
  owed.fire = skipped
    ? { at: plan.fire.at, notes, skipped }
    : { at: plan.fire.at, notes, run, ...(jobs.running ? { running: jobs.running } : {}) };
  return owed;
}

/** A run its overlap policy forbids while another job of the schedule is active, with why. */
function overlap(schedule: CrawlingSchedule, jobs: ActiveJobs): FireOutcome | undefined {
  const busy = jobs.running ?? jobs.pending;
  if (busy && schedule.overlapPolicy === OverlapPolicy.SKIP) {
    return {
      decision: ScheduleDecisionType.SKIPPED_OVERLAP,
      reason: `job ${busy} is still ${jobs.running ? 'RUNNING' : 'PENDING'}`,
    };
  }
  if (schedule.overlapPolicy === OverlapPolicy.QUEUE && jobs.pending) {
    return {
      decision: ScheduleDecisionType.SKIPPED_OVERLAP,
      reason: `job ${jobs.pending} is already queued (QUEUE keeps one)`,
    };
  }
  return undefined;
}

/** What the job of a fired run became: created (queued behind a running one under QUEUE), or refused. */
async function fired(
  manager: EntityManager,
  schedule: CrawlingSchedule,
  job: CreatedJob | EngineError,
  running: string | undefined,
): Promise<FireOutcome> {
  // Bad references (workflow inactive or gone) are the schedule's problem, not the batch's.
  if (job instanceof EngineError)
    return { decision: ScheduleDecisionType.MISSED, reason: `no job created: ${job.message}` };
  let reason: string | null = job.created ? null : 'the job for this due time already existed';
  if (job.created && schedule.overlapPolicy === OverlapPolicy.QUEUE && running) {
    // The queued job waits for the running one to finish (the orchestrator honours dependencies).
    await ScheduleClaimRepository.queueBehind(manager, job.id, running);
    reason = `queued behind running job ${running}`;
  }
  return { decision: ScheduleDecisionType.FIRED, jobId: job.id, reason };
}
