import { createTestDatabase, insertJob, insertWorkflow, taskBatch, TestDatabase } from '@crawlflow/testing';
import { LostDeliveries } from './lost-deliveries';
import { TaskLedger } from './task-ledger';

jest.setTimeout(60_000);

/** What the standalone process does at start for the messages its in-process bus lost. */
describe('LostDeliveries.endLeases', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('ends the lease of every entry in flight and of nothing else', async () => {
    const jobId = await insertJob(db.dataSource, await insertWorkflow(db.dataSource));
    await db.dataSource.transaction((manager) => TaskLedger.enqueue(manager, taskBatch(jobId, 3)));
    const claimed = await db.dataSource.transaction((manager) => TaskLedger.claimDue(manager, 2));
    expect(claimed).toHaveLength(2);
    await TaskLedger.markDispatched(db.dataSource.manager, claimed, 600_000);
    expect(await TaskLedger.expiredLeases(db.dataSource, 10)).toEqual([]);

    expect(await LostDeliveries.endLeases(db.dataSource)).toBe(2);

    const expired = await TaskLedger.expiredLeases(db.dataSource, 10);
    expect(expired.map((entry) => String(entry.id)).sort()).toEqual(
      claimed.map((entry) => String(entry.id)).sort(),
    );
    const waiting = await db.dataSource.query<Array<{ n: string | number }>>(
      "SELECT COUNT(*) AS n FROM crawling_queues WHERE status = 'WAITING' AND lease_until IS NULL",
    );
    expect(Number(waiting[0].n)).toBe(1);
  });
});
