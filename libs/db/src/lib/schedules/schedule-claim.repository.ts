import type { JobStatus } from '@crawlflow/contracts';
import type { EntityManager } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import { CrawlingJob } from '../entities/crawling-job.entity';
import { CrawlingSchedule } from '../entities/crawling-schedule.entity';
import { JobDependency } from '../entities/job-dependency.entity';

export interface ClaimedSchedule {
  schedule: CrawlingSchedule;
  /** The database's clock when the batch was claimed: what "due" and "missed" are judged by. */
  now: Date;
}

/** The newest PENDING and the newest RUNNING job of a schedule (what overlap policies look at). */
export interface ActiveJobs {
  pending?: string;
  running?: string;
}

export interface ScheduleAdvance {
  id: string;
  nextRunAt: Date | null;
  /** Set when the schedule fired in this batch; null leaves last_run_at as it was. */
  lastRunAt: Date | null;
}

/** A raw crawling_schedules row as find() would give it: every column through the driver's own conversion. */
function hydrate(manager: EntityManager, raw: Record<string, unknown>): CrawlingSchedule {
  const schedule = manager.create(CrawlingSchedule);
  for (const column of manager.connection.getMetadata(CrawlingSchedule).columns) {
    column.setEntityValue(
      schedule,
      manager.connection.driver.prepareHydratedValue(raw[column.databaseName], column),
    );
  }
  return schedule;
}

/**
 * The scheduler's claim of due schedules, one batch per READ COMMITTED transaction: what it locks,
 * what it looks at and what it writes back. Every method runs inside the caller's transaction.
 */
export class ScheduleClaimRepository {
  /**
   * Up to `limit` due schedules, locked until the caller's transaction ends; SKIP LOCKED leaves the
   * rows another replica holds to it. SQL: the measured hot path of every tick, and SKIP LOCKED plus
   * the database clock in the same statement are MySQL's.
   */
  static async claimDue(manager: EntityManager, limit: number): Promise<ClaimedSchedule[]> {
    const columns = manager.connection
      .getMetadata(CrawlingSchedule)
      .columns.map((column) => column.databaseName)
      .join(', ');
    const rows = await manager.query<Array<Record<string, unknown>>>(
      `SELECT ${columns}, NOW(3) AS db_now FROM crawling_schedules
       WHERE is_active = 1 AND deleted_at IS NULL AND schedule_type <> 'MANUAL' AND next_run_at <= NOW(3)
       ORDER BY priority DESC, next_run_at LIMIT ? FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((raw) => ({ schedule: hydrate(manager, raw), now: new Date(raw.db_now as Date) }));
  }

  static async activeJobsOf(db: Db, scheduleIds: readonly string[]): Promise<Map<string, ActiveJobs>> {
    const result = new Map<string, ActiveJobs>();
    if (scheduleIds.length === 0) return result;
    const rows = await repositoryOf(db, CrawlingJob)
      .createQueryBuilder('j')
      .select('j.scheduleId', 'scheduleId')
      .addSelect('j.status', 'status')
      .addSelect('MAX(j.id)', 'jobId')
      .where('j.scheduleId IN (:...scheduleIds)', { scheduleIds })
      .andWhere('j.status IN (:...statuses)', { statuses: ['PENDING', 'RUNNING'] })
      .groupBy('j.scheduleId')
      .addGroupBy('j.status')
      .getRawMany<{ scheduleId: string | number; status: JobStatus; jobId: string | number }>();
    for (const row of rows) {
      // Raw aggregates keep the driver's types: BIGINT arrives as a string from mysql2, not from every driver.
      const scheduleId = String(row.scheduleId);
      const entry = result.get(scheduleId) ?? {};
      if (row.status === 'RUNNING') entry.running = String(row.jobId);
      else entry.pending = String(row.jobId);
      result.set(scheduleId, entry);
    }
    return result;
  }

  /** QUEUE overlap: the new job waits for the running one to finish (the orchestrator honours it). */
  static async queueBehind(db: Db, jobId: string, runningJobId: string): Promise<void> {
    await repositoryOf(db, JobDependency)
      .createQueryBuilder()
      .insert()
      .values({ jobId, dependsOnJobId: runningJobId, dependencyType: 'FINISH' })
      .updateEntity(false)
      .execute();
  }

  /**
   * next_run_at (and last_run_at of the ones that fired) for the whole batch. SQL: one UPDATE with
   * a CASE per id, where TypeORM would send one statement per schedule (the tick's hot path).
   */
  static async advance(db: Db, updates: readonly ScheduleAdvance[]): Promise<void> {
    if (updates.length === 0) return;
    const nextCases = updates.map(() => 'WHEN ? THEN ?').join(' ');
    const fired = updates.filter((u) => u.lastRunAt);
    const lastCases = fired.map(() => 'WHEN ? THEN ?').join(' ');
    const params: unknown[] = updates.flatMap((u) => [u.id, u.nextRunAt]);
    if (fired.length > 0) params.push(...fired.flatMap((u) => [u.id, u.lastRunAt]));
    params.push(updates.map((u) => u.id));
    await managerOf(db).query(
      `UPDATE crawling_schedules SET next_run_at = CASE id ${nextCases} END${
        fired.length > 0 ? `, last_run_at = CASE id ${lastCases} ELSE last_run_at END` : ''
      } WHERE id IN (?)`,
      params,
    );
  }
}
