import { randomBytes } from 'node:crypto';
import { DatabaseConfig, loadDatabaseConfig } from '@crawlflow/config';
import { onMysql } from '@crawlflow/testing';
import { createConnection } from 'mysql2/promise';
import { dropDatabase, ensureDatabase, revertAllMigrations, runMigrations } from './migrate';
import { MIGRATIONS } from './migrations';

async function databaseExists(config: DatabaseConfig): Promise<boolean> {
  const connection = await createConnection({
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
  });
  try {
    const [rows] = await connection.query(
      'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [config.database],
    );
    return (rows as unknown[]).length === 1;
  } finally {
    await connection.end();
  }
}

// Databases on a MySQL server; the SQLite file's migrations: sqlite-data-source.spec.ts, sqlite-schema.int-spec.ts.
onMysql('migrate', () => {
  const server = loadDatabaseConfig(process.env);
  const config: DatabaseConfig = { ...server, database: `cf_t_${randomBytes(6).toString('hex')}` };

  afterAll(async () => {
    await dropDatabase(config);
  });

  it('ensureDatabase creates a missing database, and again changes nothing', async () => {
    expect(await databaseExists(config)).toBe(false);
    await ensureDatabase(config);
    expect(await databaseExists(config)).toBe(true);
    await expect(ensureDatabase(config)).resolves.toBeUndefined();
    expect(await databaseExists(config)).toBe(true);
  });

  // Every migration, in the order TypeORM applies them (by the timestamp in the name).
  const ALL = MIGRATIONS.map((migration) => migration.name).sort(
    (a, b) => Number(a.match(/\d+$/)?.[0]) - Number(b.match(/\d+$/)?.[0]),
  );

  it('runMigrations applies the pending migrations once, then nothing', async () => {
    expect(ALL[0]).toBe('InitialSchema1764374400000');
    expect(await runMigrations(config)).toEqual(ALL);
    expect(await runMigrations(config)).toEqual([]);
  });

  it('revertAllMigrations undoes them, and runMigrations applies them again', async () => {
    expect(await revertAllMigrations(config)).toEqual([...ALL].reverse());
    expect(await revertAllMigrations(config)).toEqual([]);
    expect(await runMigrations(config)).toEqual(ALL);
  });

  it('refuses a database name that is not a plain identifier', async () => {
    await expect(ensureDatabase({ ...config, database: 'x`; DROP DATABASE y' })).rejects.toThrow(
      /letters, digits and _/,
    );
  });
});
