import { randomBytes } from 'node:crypto';
import { DatabaseConfig, loadDatabaseConfig } from '@crawlflow/config';
import { createDataSource, dropDatabase, ensureDatabase, runMigrations } from '@crawlflow/db';
import { DataSource } from 'typeorm';

export interface TestDatabase {
  /** `cf_t_<random>`: unique per call, so test files can run in parallel. */
  name: string;
  config: DatabaseConfig;
  /** Initialised; destroyed by drop(). */
  dataSource: DataSource;
  /** Destroys the DataSource and drops the database. Call it in afterAll. */
  drop(): Promise<void>;
}

/**
 * A fresh database on the server named by DATABASE_URL (or the default), migrated unless
 * `migrate: false`.
 */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const server = loadDatabaseConfig(process.env);
  const name = `cf_t_${randomBytes(6).toString('hex')}`;
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  const config: DatabaseConfig = { ...server, url: url.toString(), database: name };

  await ensureDatabase(config);
  let dataSource: DataSource | undefined;
  try {
    if (opts.migrate !== false) await runMigrations(config);
    dataSource = createDataSource(config);
    await dataSource.initialize();
  } catch (error) {
    await dropDatabase(config);
    throw error;
  }
  const initialised = dataSource;
  return {
    name,
    config,
    dataSource: initialised,
    async drop() {
      if (initialised.isInitialized) await initialised.destroy();
      await dropDatabase(config);
    },
  };
}

/**
 * Empties every table but the migrations' own: each test starts from the migrated schema, so any one
 * of them passes alone and the order they run in does not matter. DELETE, not TRUNCATE: the tables
 * are nearly empty and TRUNCATE recreates each one.
 */
export async function emptyTables(dataSource: DataSource): Promise<void> {
  const tables = await dataSource.query<Array<{ name: string }>>(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> 'crawlflow_migrations'`,
  );
  const runner = dataSource.createQueryRunner();
  try {
    // The session variable holds on this one connection only.
    await runner.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const { name } of tables) await runner.query(`DELETE FROM \`${name}\``);
    await runner.query('SET FOREIGN_KEY_CHECKS = 1');
  } finally {
    await runner.release();
  }
}
