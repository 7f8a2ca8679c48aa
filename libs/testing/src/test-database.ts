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
