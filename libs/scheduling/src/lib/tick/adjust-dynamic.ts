import { IntervalHistoryRepository, SchedulesRepository } from '@crawlflow/db';
import type { DataSource } from 'typeorm';
import { adaptInterval, DEFAULT_INTERVAL_SECONDS } from '../policy/adaptive-interval';

export interface AdjustStats {
  adjusted: number;
}

/**
 * Moves the interval of DYNAMIC schedules once per finished job: shrink when the job changed items
 * (crawled_items written by that job with changed_at since it started), grow when it changed none;
 * FAILED and CANCELLED jobs say nothing about the source and leave it as it was. The history row is
 * inserted first: its unique job_id makes a second replica's attempt fail before it changes anything.
 */
export async function adjustDynamicSchedules(dataSource: DataSource, limit: number): Promise<AdjustStats> {
  const jobs = await IntervalHistoryRepository.unadjustedJobs(dataSource, limit);
  let adjusted = 0;
  for (const job of jobs) {
    const done = await dataSource.transaction(async (manager) => {
      const schedule = await SchedulesRepository.findById(manager, job.scheduleId, {
        includeDeleted: true,
        lock: true,
      });
      if (!schedule) return false;
      const changedItems = await IntervalHistoryRepository.changedItemsSince(manager, job.id, job.since);
      const current = schedule.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
      const next =
        job.status === 'SUCCESS'
          ? adaptInterval(current, changedItems > 0, {
              incRate: schedule.incRate,
              decRate: schedule.decRate,
              minSeconds: schedule.minIntervalSeconds,
              maxSeconds: schedule.maxIntervalSeconds,
            })
          : current;
      const recorded = await IntervalHistoryRepository.record(manager, {
        scheduleId: schedule.id,
        jobId: job.id,
        jobStatus: job.status,
        changedItems,
        oldIntervalSeconds: current,
        newIntervalSeconds: next,
      });
      if (!recorded) return false;
      // next_run_at = last_run_at + interval (not for paused or deleted schedules: they stay disarmed).
      const lastRun = schedule.isActive && !schedule.deletedAt ? schedule.lastRunAt : null;
      await SchedulesRepository.setInterval(
        manager,
        schedule.id,
        next,
        lastRun ? new Date(lastRun.getTime() + next * 1000) : undefined,
      );
      return true;
    });
    if (done) adjusted += 1;
  }
  return { adjusted };
}
