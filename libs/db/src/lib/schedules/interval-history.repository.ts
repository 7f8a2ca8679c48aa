import { type JobStatus, TERMINAL_JOB_STATUSES } from '@crawlflow/contracts';
import { MoreThanOrEqual } from 'typeorm';
import { Db, repositoryOf } from '../db';
import { databaseErrorCode } from '../db-errors';
import { CrawledItem } from '../entities/crawled-item.entity';
import { CrawlingJob } from '../entities/crawling-job.entity';
import { CrawlingSchedule } from '../entities/crawling-schedule.entity';
import { ScheduleIntervalHistory } from '../entities/schedule-interval-history.entity';

/** A finished job of a DYNAMIC schedule whose outcome has not moved the interval yet. */
export interface UnadjustedJob {
  id: string;
  scheduleId: string;
  status: JobStatus;
  /** When the job started (its creation if it never did): items changed since then are its doing. */
  since: Date;
}

export type NewIntervalChange = Pick<
  ScheduleIntervalHistory,
  'scheduleId' | 'jobId' | 'jobStatus' | 'changedItems' | 'oldIntervalSeconds' | 'newIntervalSeconds'
>;

const FINISHED = [...TERMINAL_JOB_STATUSES];

/** schedule_interval_history: one row per finished job of a DYNAMIC schedule, and what the adjustment reads. */
export class IntervalHistoryRepository {
  /** Oldest first, `limit` at most. */
  static async unadjustedJobs(db: Db, limit: number): Promise<UnadjustedJob[]> {
    const rows = await repositoryOf(db, CrawlingJob)
      .createQueryBuilder('j')
      .select('j.id', 'id')
      .addSelect('j.scheduleId', 'scheduleId')
      .addSelect('j.status', 'status')
      .addSelect('COALESCE(j.startedAt, j.createdAt)', 'since')
      .innerJoin(CrawlingSchedule, 's', 's.id = j.scheduleId AND s.scheduleType = :dynamic', {
        dynamic: 'DYNAMIC',
      })
      .leftJoin(ScheduleIntervalHistory, 'h', 'h.jobId = j.id')
      .where('j.status IN (:...finished)', { finished: FINISHED })
      .andWhere('h.id IS NULL')
      .orderBy('j.id')
      .limit(limit)
      .getRawMany<{ id: string | number; scheduleId: string | number; status: JobStatus; since: Date }>();
    // Raw columns keep the driver's types: BIGINT arrives as a string from mysql2, not from every driver.
    return rows.map((row) => ({
      id: String(row.id),
      scheduleId: String(row.scheduleId),
      status: row.status,
      since: new Date(row.since),
    }));
  }

  /** Items the job wrote whose content changed at or after `since`. */
  static async changedItemsSince(db: Db, jobId: string, since: Date): Promise<number> {
    return repositoryOf(db, CrawledItem).countBy({ jobId, changedAt: MoreThanOrEqual(since) });
  }

  /**
   * Records the adjustment for a job; false when it was already recorded (uq_interval_history_job:
   * another replica got there first), and the caller must then change nothing.
   */
  static async record(db: Db, change: NewIntervalChange): Promise<boolean> {
    try {
      await repositoryOf(db, ScheduleIntervalHistory)
        .createQueryBuilder()
        .insert()
        .values(change)
        .updateEntity(false)
        .execute();
      return true;
    } catch (error) {
      if (databaseErrorCode(error) === 'ER_DUP_ENTRY') return false;
      throw error;
    }
  }

  /** The newest `limit` interval changes of a schedule. */
  static async recent(db: Db, scheduleId: string, limit: number): Promise<ScheduleIntervalHistory[]> {
    return repositoryOf(db, ScheduleIntervalHistory).find({
      where: { scheduleId },
      order: { id: 'DESC' },
      take: limit,
    });
  }
}
