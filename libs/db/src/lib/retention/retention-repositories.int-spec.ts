import { createTestDatabase, itOnMysql, TestDatabase } from '@crawlflow/testing';
import { MaintenanceLockRepository } from './maintenance-lock.repository';
import { QueuePartitionsRepository } from './queue-partitions.repository';

let db: TestDatabase;
let other: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  other = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
  await other?.drop();
});

describe('retention repositories', () => {
  it('holds the maintenance lock per database: a second holder is refused, another database is not', async () => {
    const outcome = await MaintenanceLockRepository.runExclusive(db.dataSource, async () => ({
      same: await MaintenanceLockRepository.runExclusive(db.dataSource, async () => 'second'),
      elsewhere: await MaintenanceLockRepository.runExclusive(other.dataSource, async () => 'other'),
    }));
    expect(outcome).toEqual({
      acquired: true,
      value: { same: { acquired: false }, elsewhere: { acquired: true, value: 'other' } },
    });
    // Released with the work: the next run gets it.
    expect(await MaintenanceLockRepository.runExclusive(db.dataSource, async () => 1)).toEqual({
      acquired: true,
      value: 1,
    });
  });

  // Partitions are MySQL's; SQLite's ledger is one table.
  itOnMysql(
    'runs partition DDL only on a dedicated connection and only with plain partition names',
    async () => {
      await expect(QueuePartitionsRepository.drop(db.dataSource, 'p20260101')).rejects.toThrow(
        'partition maintenance needs a dedicated connection',
      );
      await MaintenanceLockRepository.runExclusive(db.dataSource, async (connection) => {
        await expect(QueuePartitionsRepository.drop(connection, 'p1`; DROP TABLE x; --')).rejects.toThrow(
          'unsafe partition name',
        );
        const names = (await QueuePartitionsRepository.list(connection)).map((p) => p.name);
        expect(names[names.length - 1]).toBe('p_future');
        await QueuePartitionsRepository.withLockWait(connection, 3, async () => {
          const [row] = await connection.query('SELECT @@SESSION.lock_wait_timeout AS wait');
          expect(Number(row.wait)).toBe(3);
        });
        const [row] = await connection.query('SELECT @@SESSION.lock_wait_timeout AS wait');
        expect(Number(row.wait)).not.toBe(3);
      });
    },
  );
});
