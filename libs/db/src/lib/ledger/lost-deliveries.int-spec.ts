import { createTestDatabase, insertJob, insertWorkflow, taskBatch, TestDatabase } from '@crawlflow/testing';
import { LostDeliveries } from './lost-deliveries';
import { TaskLedger } from './task-ledger';

jest.setTimeout(60_000);

/** What the standalone process does at start for the messages its in-process bus lost. */
describe('LostDeliveries.putBack', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  const rows = (): Promise<
    Array<{ id: string; status: string; lease_expiries: number; last_error: string | null }>
  > => db.dataSource.query('SELECT id, status, lease_expiries, last_error FROM crawling_queues ORDER BY id');

  it('puts what was in flight back to WAITING without blaming it, and leaves suspects to the sweeper', async () => {
    const jobId = await insertJob(db.dataSource, await insertWorkflow(db.dataSource));
    await db.dataSource.transaction((manager) => TaskLedger.enqueue(manager, taskBatch(jobId, 4)));
    const claimed = await db.dataSource.transaction((manager) => TaskLedger.claimDue(manager, 3));
    expect(claimed).toHaveLength(3);
    await TaskLedger.markDispatched(db.dataSource.manager, claimed, 600_000);
    // The third one was already running alone as a suspect when the process died.
    await TaskLedger.quarantineStart(db.dataSource, claimed[2]);

    expect(await LostDeliveries.putBack(db.dataSource)).toBe(3);

    const after = await rows();
    const byId = new Map(after.map((row) => [String(row.id), row]));
    for (const entry of claimed.slice(0, 2)) {
      expect(byId.get(entry.id)).toMatchObject({ status: 'WAITING', lease_expiries: 0, last_error: null });
    }
    const suspect = await TaskLedger.expiredLeases(db.dataSource, 10);
    expect(suspect.map((entry) => String(entry.id))).toEqual([claimed[2].id]);
    // Due again at once: the relay's next claim takes the two back (and the one never dispatched).
    const again = await db.dataSource.transaction((manager) => TaskLedger.claimDue(manager, 10));
    expect(again.map((entry) => entry.id).sort()).toEqual(
      after
        .filter((row) => row.status === 'WAITING')
        .map((row) => String(row.id))
        .sort(),
    );
  });
});
