import { createTestDatabase, onMysql, TestDatabase } from '@crawlflow/testing';

/** What every pooled connection's session starts with, whichever connection a query lands on. */
// Sessions of a mysql2 pool; SQLite has one connection and no session settings.
onMysql('pooled connections', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('run in UTC and READ COMMITTED on every connection, inside transactions too', async () => {
    // Several transactions at once take several connections of the pool.
    const sessions = await Promise.all(
      Array.from({ length: 4 }, () =>
        db.dataSource.transaction(async (manager) => {
          const [row] = await manager.query<Array<{ tz: string; isolation: string }>>(
            // MariaDB names it tx_isolation (transaction_isolation from 11.1); MySQL 8 only transaction_isolation.
            `SELECT @@session.time_zone AS tz, ${await isolationVariable(db)} AS isolation`,
          );
          await new Promise((resolve) => setTimeout(resolve, 50)); // hold the connection
          return row;
        }),
      ),
    );
    for (const session of sessions) expect(session).toEqual({ tz: '+00:00', isolation: 'READ-COMMITTED' });
  });
});

async function isolationVariable(db: TestDatabase): Promise<string> {
  const rows = await db.dataSource.query<unknown[]>("SHOW VARIABLES LIKE 'transaction_isolation'");
  return rows.length > 0 ? '@@session.transaction_isolation' : '@@session.tx_isolation';
}
