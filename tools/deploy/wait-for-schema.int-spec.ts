import { MIGRATIONS } from '@crawlflow/db';
import { createTestDatabase, TestDatabase } from '@crawlflow/testing';
import { pendingMigrations } from './wait-for-schema';

jest.setTimeout(60_000);

describe('wait-for-schema', () => {
  const databases: TestDatabase[] = [];

  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  it('names every migration while the migrations table is missing, and none once migrated', async () => {
    const empty = await createTestDatabase({ migrate: false });
    databases.push(empty);
    expect(await pendingMigrations(empty.config)).toHaveLength(MIGRATIONS.length);
    const migrated = await createTestDatabase();
    databases.push(migrated);
    expect(await pendingMigrations(migrated.config)).toEqual([]);
  });

  it('fails while the database does not exist', async () => {
    const migrated = await createTestDatabase();
    databases.push(migrated);
    const missing = { ...migrated.config, database: `${migrated.name}_missing` };
    await expect(pendingMigrations(missing)).rejects.toMatchObject({ code: 'ER_BAD_DB_ERROR' });
  });
});
