import { LessThan, type FindOptionsWhere } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import { CrawlTarget } from '../entities/crawl-target.entity';
import { CrawlingSchedule } from '../entities/crawling-schedule.entity';
import { CrawlingWorkflow } from '../entities/crawling-workflow.entity';

/** The columns a schedule's owner writes; the scheduler's own bookkeeping (runs, deletion) is separate. */
export type ScheduleValues = Pick<
  CrawlingSchedule,
  | 'workflowId'
  | 'targetId'
  | 'scheduleType'
  | 'cronExpression'
  | 'timezone'
  | 'priority'
  | 'isActive'
  | 'missedRunPolicy'
  | 'catchUpWindowSeconds'
  | 'overlapPolicy'
  | 'intervalSeconds'
  | 'minIntervalSeconds'
  | 'maxIntervalSeconds'
  | 'incRate'
  | 'decRate'
  | 'nextRunAt'
>;

/** A text that cannot be a BIGINT id finds nothing (instead of comparing as 0). */
const BIGINT_ID = /^\d{1,19}$/;

/** crawling_schedules as the API and the scheduler's adjustments use it, one schedule at a time. */
export class SchedulesRepository {
  /**
   * The schedule, or null. `lock` takes its row until the caller's transaction ends; outside a
   * transaction there is nothing to hold it for (TypeORM refuses FOR UPDATE there), so it reads plainly.
   */
  static async findById(
    db: Db,
    id: string,
    opts: { includeDeleted?: boolean; lock?: boolean } = {},
  ): Promise<CrawlingSchedule | null> {
    if (!BIGINT_ID.test(id)) return null;
    const inTransaction = managerOf(db).queryRunner?.isTransactionActive === true;
    return repositoryOf(db, CrawlingSchedule).findOne({
      where: { id },
      withDeleted: opts.includeDeleted === true,
      ...(opts.lock && inTransaction ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  /** Not deleted, newest first, ids below `beforeId`; `limit` rows at most. */
  static async list(
    db: Db,
    opts: { limit: number; beforeId?: string | null; workflowId?: string },
  ): Promise<CrawlingSchedule[]> {
    const where: FindOptionsWhere<CrawlingSchedule> = {};
    if (opts.beforeId) where.id = LessThan(opts.beforeId);
    if (opts.workflowId) where.workflowId = opts.workflowId;
    return repositoryOf(db, CrawlingSchedule).find({ where, order: { id: 'DESC' }, take: opts.limit });
  }

  /** Which of the schedule's references does not exist, if any (checked before a write, for a 400). */
  static async missingReference(
    db: Db,
    refs: { workflowId: string; targetId: string | null },
  ): Promise<'workflow' | 'target' | null> {
    if (!(await repositoryOf(db, CrawlingWorkflow).existsBy({ id: refs.workflowId }))) return 'workflow';
    if (refs.targetId && !(await repositoryOf(db, CrawlTarget).existsBy({ id: refs.targetId }))) {
      return 'target';
    }
    return null;
  }

  /** Inserts and reads back the row (with the database's defaults and timestamps). */
  static async create(db: Db, values: ScheduleValues): Promise<CrawlingSchedule> {
    const { identifiers } = await repositoryOf(db, CrawlingSchedule).insert(values);
    // mysql2 reports the new id as a number; ids are strings everywhere else.
    const schedule = await this.findById(db, String(identifiers[0].id));
    if (!schedule) throw new Error('a schedule vanished right after its insert');
    return schedule;
  }

  static async update(db: Db, id: string, values: Omit<ScheduleValues, 'workflowId'>): Promise<void> {
    await repositoryOf(db, CrawlingSchedule).update({ id }, values);
  }

  /** Soft delete: deleted_at set and nothing due any more; jobs and decisions stay. */
  static async softDelete(db: Db, id: string): Promise<void> {
    await repositoryOf(db, CrawlingSchedule).update(
      { id },
      { deletedAt: () => 'CURRENT_TIMESTAMP(3)', nextRunAt: null },
    );
  }

  /** A run outside the due series ("run now"): only last_run_at moves. */
  static async markRun(db: Db, id: string, at: Date): Promise<void> {
    await repositoryOf(db, CrawlingSchedule).update({ id }, { lastRunAt: at });
  }

  /** A DYNAMIC schedule's new interval, and its next due time when it is armed (undefined: unchanged). */
  static async setInterval(db: Db, id: string, intervalSeconds: number, nextRunAt?: Date): Promise<void> {
    await repositoryOf(db, CrawlingSchedule).update(
      { id },
      nextRunAt === undefined ? { intervalSeconds } : { intervalSeconds, nextRunAt },
    );
  }

  /**
   * The database's clock, which every scheduler replica and the claim's NOW(3) share. SQL: there is
   * no TypeORM call for the server's time.
   */
  static async now(db: Db): Promise<Date> {
    const [row] = await managerOf(db).query<Array<{ now: Date }>>('SELECT NOW(3) AS now');
    return new Date(row.now);
  }
}
