import { createTestDatabase, insertJob, insertWorkflow, TestDatabase, testDialect } from '@crawlflow/testing';
import { CrawlingSchedule } from '../entities/crawling-schedule.entity';
import { MissedRunPolicy, OverlapPolicy, ScheduleDecisionType } from '../entities/schedule-policy.enums';
import { IntervalHistoryRepository } from './interval-history.repository';
import { ScheduleClaimRepository } from './schedule-claim.repository';
import { ScheduleDecisionsRepository } from './schedule-decisions.repository';
import { SchedulesRepository, ScheduleValues } from './schedules.repository';

let db: TestDatabase;
let workflowId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  workflowId = await insertWorkflow(db.dataSource);
});

afterAll(async () => {
  await db?.drop();
});

function values(overrides: Partial<ScheduleValues> = {}): ScheduleValues {
  return {
    workflowId,
    targetId: null,
    scheduleType: 'DYNAMIC',
    cronExpression: null,
    timezone: 'Asia/Seoul',
    priority: 7,
    isActive: true,
    missedRunPolicy: MissedRunPolicy.RUN_ONCE,
    catchUpWindowSeconds: 90,
    overlapPolicy: OverlapPolicy.QUEUE,
    intervalSeconds: 120,
    minIntervalSeconds: 60,
    maxIntervalSeconds: 1000,
    incRate: 0.25,
    decRate: 0.125,
    nextRunAt: new Date(Date.now() - 60_000),
    ...overrides,
  };
}

describe('schedule repositories', () => {
  it('claims a due schedule as the same entity findById reads, and leaves it to other claims while locked', async () => {
    const created = await SchedulesRepository.create(db.dataSource, values());
    await db.dataSource.transaction('READ COMMITTED', async (manager) => {
      const claimed = await ScheduleClaimRepository.claimDue(manager, 10);
      expect(claimed.map((c) => c.schedule)).toEqual([
        await SchedulesRepository.findById(manager, created.id),
      ]);
      expect(claimed[0].schedule).toBeInstanceOf(CrawlingSchedule);
      expect(claimed[0].schedule.isActive).toBe(true);
      expect(claimed[0].now).toBeInstanceOf(Date);
      // SKIP LOCKED: a second replica's claim passes the row this transaction holds. (SQLite has
      // one writer: a second claim waits for this transaction instead, there is no lock to skip.)
      if (testDialect() === 'mysql') {
        const other = await db.dataSource.transaction('READ COMMITTED', (m) =>
          ScheduleClaimRepository.claimDue(m, 10),
        );
        expect(other).toEqual([]);
      }
      await ScheduleClaimRepository.advance(manager, [{ id: created.id, nextRunAt: null, lastRunAt: null }]);
    });
  });

  it('reads the newest PENDING and RUNNING job of each schedule', async () => {
    const { id } = await SchedulesRepository.create(db.dataSource, values({ nextRunAt: null }));
    const jobs: string[] = [];
    for (const status of ['PENDING', 'PENDING', 'RUNNING', 'SUCCESS']) {
      const job = await insertJob(db.dataSource, workflowId, { status });
      await db.dataSource.query('UPDATE crawling_jobs SET schedule_id = ? WHERE id = ?', [id, job]);
      jobs.push(job);
    }
    const active = await ScheduleClaimRepository.activeJobsOf(db.dataSource, [id, '999999']);
    expect([...active.entries()]).toEqual([[id, { pending: jobs[1], running: jobs[2] }]]);
  });

  it('records decisions in chunks and clips reasons to the column', async () => {
    const { id } = await SchedulesRepository.create(db.dataSource, values({ nextRunAt: null }));
    const decisions = Array.from({ length: 1201 }, (_, i) => ({
      scheduleId: id,
      dueAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      decision: ScheduleDecisionType.MISSED,
      reason: i === 1200 ? 'é'.repeat(600) : null,
    }));
    await ScheduleDecisionsRepository.record(db.dataSource, decisions);
    const recent = await ScheduleDecisionsRepository.recent(db.dataSource, id, 2);
    expect(recent.map((d) => d.dueAt)).toEqual([decisions[1200].dueAt, decisions[1199].dueAt]);
    expect(recent[0].reason).toBe('é'.repeat(500));
    const [{ n }] = await db.dataSource.query(
      'SELECT COUNT(*) AS n FROM schedule_decisions WHERE schedule_id = ?',
      [id],
    );
    expect(Number(n)).toBe(1201);
  });

  it('records one interval change per job: the second attempt answers false', async () => {
    const { id } = await SchedulesRepository.create(db.dataSource, values({ nextRunAt: null }));
    const job = await insertJob(db.dataSource, workflowId, { status: 'SUCCESS' });
    const change = {
      scheduleId: id,
      jobId: job,
      jobStatus: 'SUCCESS',
      changedItems: 0,
      oldIntervalSeconds: 120,
      newIntervalSeconds: 150,
    };
    expect(await IntervalHistoryRepository.record(db.dataSource, change)).toBe(true);
    expect(await IntervalHistoryRepository.record(db.dataSource, { ...change, newIntervalSeconds: 99 })).toBe(
      false,
    );
    expect(await IntervalHistoryRepository.recent(db.dataSource, id, 5)).toEqual([
      expect.objectContaining({ jobId: job, newIntervalSeconds: 150 }),
    ]);
  });

  it('finds nothing for ids that cannot be a BIGINT, and soft-deleted schedules only when asked', async () => {
    const { id } = await SchedulesRepository.create(db.dataSource, values({ nextRunAt: null }));
    expect(await SchedulesRepository.findById(db.dataSource, 'abc')).toBeNull();
    await SchedulesRepository.softDelete(db.dataSource, id);
    expect(await SchedulesRepository.findById(db.dataSource, id)).toBeNull();
    expect(await SchedulesRepository.findById(db.dataSource, id, { includeDeleted: true })).toMatchObject({
      id,
      nextRunAt: null,
      deletedAt: expect.any(Date),
    });
  });
});
