import { Db, repositoryOf } from '../db';
import { ScheduleDecision } from '../entities/schedule-decision.entity';
import { ScheduleDecisionType } from '../entities/schedule-policy.enums';

export interface NewScheduleDecision {
  scheduleId: string;
  dueAt: Date | null;
  decision: ScheduleDecisionType;
  jobId?: string | null;
  reason?: string | null;
}

/** Rows per INSERT: a tick that decides about 1,000 schedules writes its log in a few statements. */
const CHUNK = 500;

/** reason is varchar(500). */
const REASON_CHARS = 500;

/** The scheduler's decision log (schedule_decisions): appended by ticks and manual fires, read per schedule. */
export class ScheduleDecisionsRepository {
  static async record(db: Db, decisions: readonly NewScheduleDecision[]): Promise<void> {
    for (let i = 0; i < decisions.length; i += CHUNK) {
      await repositoryOf(db, ScheduleDecision)
        .createQueryBuilder()
        .insert()
        .values(
          decisions.slice(i, i + CHUNK).map((d) => ({
            scheduleId: d.scheduleId,
            dueAt: d.dueAt,
            decision: d.decision,
            jobId: d.jobId ?? null,
            reason: d.reason ? d.reason.slice(0, REASON_CHARS) : null,
          })),
        )
        // Nothing is read back: without this TypeORM re-selects every row for its defaults.
        .updateEntity(false)
        .execute();
    }
  }

  /** The newest `limit` decisions about a schedule. */
  static async recent(db: Db, scheduleId: string, limit: number): Promise<ScheduleDecision[]> {
    return repositoryOf(db, ScheduleDecision).find({
      where: { scheduleId },
      order: { id: 'DESC' },
      take: limit,
    });
  }
}
