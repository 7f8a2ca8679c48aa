import type { DataSource } from 'typeorm';
import { adaptInterval, DEFAULT_INTERVAL_SECONDS } from '../policy/adaptive-interval';
import { selectSchedule } from '../store/schedule-rows';

export interface AdjustStats {
  adjusted: number;
}

interface FinishedJob {
  id: string;
  schedule_id: string;
  status: string;
  since: Date;
}

/**
 * Moves the interval of DYNAMIC schedules once per finished job: shrink when the job changed items
 * (crawled_items written by that job with changed_at since it started), grow when it changed none;
 * FAILED and CANCELLED jobs say nothing about the source and leave it as it was. The history row is
 * inserted first: its unique job_id makes a second replica's attempt fail before it changes anything.
 */
export async function adjustDynamicSchedules(dataSource: DataSource, limit: number): Promise<AdjustStats> {
  const jobs = (await dataSource.query(
    `SELECT j.id, j.schedule_id, j.status, COALESCE(j.started_at, j.created_at) AS since
     FROM crawling_jobs j
     JOIN crawling_schedules s ON s.id = j.schedule_id AND s.schedule_type = 'DYNAMIC'
     LEFT JOIN schedule_interval_history h ON h.job_id = j.id
     WHERE j.status IN ('SUCCESS', 'FAILED', 'CANCELLED') AND h.id IS NULL
     ORDER BY j.id LIMIT ?`,
    [limit],
  )) as FinishedJob[];
  let adjusted = 0;
  for (const job of jobs) {
    const done = await dataSource.transaction('READ COMMITTED', async (manager) => {
      const schedule = await selectSchedule(manager, String(job.schedule_id), {
        includeDeleted: true,
        lock: true,
      });
      if (!schedule) return false;
      const [{ changed }] = (await manager.query(
        'SELECT COUNT(*) AS changed FROM crawled_items WHERE job_id = ? AND changed_at >= ?',
        [job.id, job.since],
      )) as Array<{ changed: string | number }>;
      const changedItems = Number(changed);
      const current = schedule.interval_seconds ?? DEFAULT_INTERVAL_SECONDS;
      const next =
        job.status === 'SUCCESS'
          ? adaptInterval(current, changedItems > 0, {
              incRate: schedule.inc_rate,
              decRate: schedule.dec_rate,
              minSeconds: schedule.min_interval_seconds,
              maxSeconds: schedule.max_interval_seconds,
            })
          : current;
      try {
        await manager.query(
          `INSERT INTO schedule_interval_history
             (schedule_id, job_id, job_status, changed_items, old_interval_seconds, new_interval_seconds)
           VALUES (?, ?, ?, ?, ?, ?)`,
          [schedule.id, job.id, job.status, changedItems, current, next],
        );
      } catch (error) {
        if ((error as { code?: string }).code === 'ER_DUP_ENTRY') return false;
        throw error;
      }
      // next_run_at = last_run_at + interval (not for paused or deleted schedules: they stay disarmed).
      await manager.query(
        `UPDATE crawling_schedules SET interval_seconds = ?,
           next_run_at = CASE WHEN is_active = 1 AND deleted_at IS NULL AND last_run_at IS NOT NULL
             THEN TIMESTAMPADD(SECOND, ?, last_run_at) ELSE next_run_at END
         WHERE id = ?`,
        [next, next, schedule.id],
      );
      return true;
    });
    if (done) adjusted += 1;
  }
  return { adjusted };
}
