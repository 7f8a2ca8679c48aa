import type { JobStatus, JobType, TerminalJobStatus } from '@crawlflow/contracts';
import { In, LessThan, type FindOptionsWhere } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import { databaseErrorCode } from '../db-errors';
import { CrawlingJob, CrawlingJobArchive, JobDependency } from '../entities';
import { clipBytesOrNull } from '../ledger/text-bytes';

/** What the engine reads of a job it advances, under its lock. */
export interface JobForProgress {
  id: string;
  status: JobStatus;
  priority: number;
  jobType: JobType;
  totalItems: number;
  processedItems: number;
  failedCount: number;
}

export interface NewJobRow {
  scheduleId: string | null;
  workflowId: string;
  workflowVersion: number;
  targetId: string | null;
  jobType: JobType;
  priority: number;
  params: string | null;
  idempotencyKey: string | null;
  scheduledAt: Date | null;
}

/** What a job's starter needs of a PENDING job it claimed. */
export type PendingJob = Pick<
  CrawlingJob,
  'id' | 'workflowId' | 'workflowVersion' | 'targetId' | 'jobType' | 'priority' | 'params' | 'totalItems'
>;

/**
 * crawling_jobs as the engine writes it: creation, the start, progress counters and the end. Locks
 * are taken where the engine's decisions need them (the job's execution row is the lock of its
 * progress; the job row is written last, see forProgress).
 */
export class JobsRepository {
  /**
   * What the engine reads of a job it advances, without a lock: the caller holds the lock of the
   * job's execution (ExecutionsRepository.lockLatest), which every change of the job's status and
   * counters takes too, so this is the latest committed row and stays so until the caller commits.
   * Locking the job row itself for that long made every worker's page insert and STORE, which
   * read the row under a shared lock, wait for the whole result batch (ADR 0013).
   * SQL: one row by key, read once per result batch.
   */
  static async forProgress(db: Db, jobId: string): Promise<JobForProgress | undefined> {
    const [row] = await managerOf(db).query<
      Array<{
        id: string;
        status: JobStatus;
        priority: number;
        job_type: JobType;
        total_items: number;
        processed_items: number;
        failed_count: number;
      }>
    >(
      `SELECT id, status, priority, job_type, total_items, processed_items, failed_count
         FROM crawling_jobs WHERE id = ?`,
      [jobId],
    );
    if (!row) return undefined;
    return {
      id: String(row.id),
      status: row.status,
      priority: Number(row.priority),
      jobType: row.job_type,
      totalItems: Number(row.total_items),
      processedItems: Number(row.processed_items),
      failedCount: Number(row.failed_count),
    };
  }

  /** The job row, locked, with what controls (cancel, pause, retry) need. */
  static async lockForControl(db: Db, jobId: string): Promise<CrawlingJob | undefined> {
    const job = await repositoryOf(db, CrawlingJob).findOne({
      where: { id: jobId },
      lock: { mode: 'pessimistic_write' },
    });
    return job ?? undefined;
  }

  /** Its status under a shared lock: a cancel (which locks it) comes wholly before or after the caller. */
  static async statusShared(db: Db, jobId: string): Promise<JobStatus | undefined> {
    // SQL: TypeORM writes a shared lock as FOR SHARE, which MariaDB does not know; LOCK IN SHARE
    // MODE runs on both.
    const [row] = await managerOf(db).query<Array<{ status: JobStatus }>>(
      'SELECT status FROM crawling_jobs WHERE id = ? LOCK IN SHARE MODE',
      [jobId],
    );
    return row?.status;
  }

  static async find(db: Db, jobId: string): Promise<CrawlingJob | undefined> {
    return (await repositoryOf(db, CrawlingJob).findOneBy({ id: jobId })) ?? undefined;
  }

  /** Newest first, ids below `beforeId`; `limit` rows at most. */
  static async list(
    db: Db,
    query: { beforeId?: string; limit: number; status?: JobStatus; workflowId?: string },
  ): Promise<CrawlingJob[]> {
    const where: FindOptionsWhere<CrawlingJob> = {
      ...(query.beforeId !== undefined ? { id: LessThan(query.beforeId) } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.workflowId ? { workflowId: query.workflowId } : {}),
    };
    return repositoryOf(db, CrawlingJob).find({ where, order: { id: 'DESC' }, take: query.limit });
  }

  /** What the runtime cache loads per job: its workflow version, target and params. */
  static async runtimeKeys(
    db: Db,
    jobIds: readonly string[],
  ): Promise<Array<Pick<CrawlingJob, 'id' | 'workflowId' | 'workflowVersion' | 'targetId' | 'params'>>> {
    if (jobIds.length === 0) return [];
    return repositoryOf(db, CrawlingJob).find({
      where: { id: In([...jobIds]) },
      select: { id: true, workflowId: true, workflowVersion: true, targetId: true, params: true },
    });
  }

  /** Params of a job, live or archived (a RETRY job runs with those of the job it retries). */
  static async params(db: Db, jobId: string): Promise<string | null | undefined> {
    const live = await repositoryOf(db, CrawlingJob).findOne({
      where: { id: jobId },
      select: { id: true, params: true },
    });
    if (live) return live.params;
    const archived = await repositoryOf(db, CrawlingJobArchive).findOne({
      where: { id: jobId },
      select: { id: true, params: true },
    });
    return archived ? archived.params : undefined;
  }

  static async markRunning(db: Db, jobId: string, totalItems?: number): Promise<void> {
    await repositoryOf(db, CrawlingJob).update(
      { id: jobId },
      { status: 'RUNNING', startedAt: () => 'NOW(3)', ...(totalItems !== undefined ? { totalItems } : {}) },
    );
  }

  static async finish(
    db: Db,
    jobId: string,
    status: TerminalJobStatus,
    summary: string | null,
  ): Promise<void> {
    await repositoryOf(db, CrawlingJob).update(
      { id: jobId },
      { status, completedAt: () => 'NOW(3)', errorSummary: clipBytesOrNull(summary) },
    );
  }

  /**
   * PENDING jobs in start order (priority, then age), locked; another orchestrator skips them.
   * SQL: SKIP LOCKED is what lets every replica claim at once.
   */
  static async claimPending(db: Db, limit: number): Promise<PendingJob[]> {
    const rows: Array<{
      id: string;
      workflow_id: string;
      workflow_version: number;
      target_id: string | null;
      job_type: JobType;
      priority: number;
      params: string | null;
      total_items: number;
    }> = await managerOf(db).query(
      `SELECT id, workflow_id, workflow_version, target_id, job_type, priority, params, total_items
         FROM crawling_jobs WHERE status = 'PENDING'
        ORDER BY priority DESC, created_at, id
        LIMIT ? FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((row) => ({
      id: String(row.id),
      workflowId: String(row.workflow_id),
      workflowVersion: Number(row.workflow_version),
      targetId: row.target_id === null ? null : String(row.target_id),
      jobType: row.job_type,
      priority: Number(row.priority),
      params: row.params,
      totalItems: Number(row.total_items),
    }));
  }

  /**
   * Inserts a job; when a unique key says it exists already (the same idempotency key, or the same
   * schedule run), answers that one instead.
   */
  static async insertOrFind(db: Db, row: NewJobRow): Promise<{ id: string; created: boolean }> {
    const jobs = repositoryOf(db, CrawlingJob);
    try {
      const result = await jobs.insert({ ...row, status: 'PENDING' });
      return { id: String(result.identifiers[0].id), created: true };
    } catch (error) {
      if (databaseErrorCode(error) !== 'ER_DUP_ENTRY') throw error;
      const existing = row.idempotencyKey
        ? await jobs.findOne({ where: { idempotencyKey: row.idempotencyKey }, select: { id: true } })
        : await jobs.findOne({
            where: { scheduleId: row.scheduleId ?? undefined, scheduledAt: row.scheduledAt ?? undefined },
            select: { id: true },
          });
      if (!existing) throw error;
      return { id: String(existing.id), created: false };
    }
  }

  /**
   * The jobs of many schedules' due runs at once, inserted together. SQL: one multi-row INSERT and
   * one read back of the new ids by uq_jobs_schedule_run, where insertOrFind takes two statements a
   * job. When a run already has a job (another replica, a reset next_run_at), the INSERT fails whole
   * and each run goes through insertOrFind, which finds that job (created false).
   */
  static async insertScheduled(
    db: Db,
    rows: ReadonlyArray<NewJobRow & { scheduleId: string; scheduledAt: Date }>,
  ): Promise<Array<{ id: string; created: boolean }>> {
    if (rows.length === 0) return [];
    const manager = managerOf(db);
    const keyOf = (scheduleId: unknown, at: Date): string => `${String(scheduleId)}@${at.getTime()}`;
    try {
      await manager.query(
        `INSERT INTO crawling_jobs
           (schedule_id, workflow_id, workflow_version, target_id, job_type, status, priority, params, idempotency_key, scheduled_at)
         VALUES ${rows.map(() => "(?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?)").join(', ')}`,
        rows.flatMap((row) => [
          row.scheduleId,
          row.workflowId,
          row.workflowVersion,
          row.targetId,
          row.jobType,
          row.priority,
          row.params,
          row.idempotencyKey,
          row.scheduledAt,
        ]),
      );
    } catch (error) {
      if (databaseErrorCode(error) !== 'ER_DUP_ENTRY') throw error;
      const one: Array<{ id: string; created: boolean }> = [];
      for (const row of rows) one.push(await JobsRepository.insertOrFind(db, row));
      return one;
    }
    const found: Array<{ id: string | number; schedule_id: string | number; scheduled_at: Date }> =
      await manager.query(
        `SELECT id, schedule_id, scheduled_at FROM crawling_jobs WHERE (schedule_id, scheduled_at) IN (${rows
          .map(() => '(?, ?)')
          .join(', ')})`,
        rows.flatMap((row) => [row.scheduleId, row.scheduledAt]),
      );
    const inserted = new Map(
      found.map((row) => [keyOf(row.schedule_id, new Date(row.scheduled_at)), String(row.id)]),
    );
    return rows.map((row) => {
      const id = inserted.get(keyOf(row.scheduleId, row.scheduledAt));
      if (id === undefined) throw new Error(`job of schedule ${row.scheduleId} not found after its insert`);
      return { id, created: true };
    });
  }

  /** Which of these job ids exist, live or archived. */
  static async existing(db: Db, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const where = { id: In([...ids]) };
    const live = await repositoryOf(db, CrawlingJob).find({ where, select: { id: true } });
    const archived = await repositoryOf(db, CrawlingJobArchive).find({ where, select: { id: true } });
    return new Set([...live, ...archived].map((job) => String(job.id)));
  }

  static async addDependencies(
    db: Db,
    jobId: string,
    dependencies: ReadonlyArray<{ jobId: string; type: 'FINISH' | 'SUCCESS' }>,
  ): Promise<void> {
    if (dependencies.length === 0) return;
    await repositoryOf(db, JobDependency).insert(
      dependencies.map((d) => ({ jobId, dependsOnJobId: d.jobId, dependencyType: d.type })),
    );
  }
}
