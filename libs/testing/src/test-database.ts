import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseConfig, loadDatabaseConfig, type SqlDialect } from '@crawlflow/config';
import { createDataSource, dialectOf, dropDatabase, ensureDatabase, runMigrations } from '@crawlflow/db';
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

/** The dialect the tests run on: DATABASE_URL=sqlite:<file> runs them on SQLite, MariaDB/MySQL otherwise. */
export function testDialect(): SqlDialect {
  return loadDatabaseConfig(process.env).dialect;
}

/**
 * `describe` for suites about what only a MySQL server does (row locks between connections,
 * partitions, information_schema, server restarts); skipped on SQLite. Picks when called, so
 * importing this file outside Jest (benchmarks) is safe.
 */
export function onMysql(name: string, suite: () => void): void {
  (testDialect() === 'mysql' ? describe : describe.skip)(name, suite);
}

/** `it` for one such test. */
export function itOnMysql(name: string, test: jest.ProvidesCallback, timeoutMs?: number): void {
  (testDialect() === 'mysql' ? it : it.skip)(name, test, timeoutMs);
}

/**
 * A fresh database on the server named by DATABASE_URL (or the default), migrated unless
 * `migrate: false`. With DATABASE_URL=sqlite:… a fresh file per call instead, under
 * <tmpdir>/crawlflow-tests/.
 */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const server = loadDatabaseConfig(process.env);
  const name = `cf_t_${randomBytes(6).toString('hex')}`;
  const config = server.dialect === 'sqlite' ? sqliteConfig(name) : mysqlConfig(server, name);

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

function mysqlConfig(server: DatabaseConfig, name: string): DatabaseConfig {
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return { ...server, url: url.toString(), database: name };
}

function sqliteConfig(name: string): DatabaseConfig {
  const file = join(tmpdir(), 'crawlflow-tests', `${name}.db`);
  return loadDatabaseConfig({ DATABASE_URL: `sqlite:${file}` });
}

/**
 * Empties every table but the migrations' own: each test starts from the migrated schema, so any one
 * of them passes alone and the order they run in does not matter. DELETE, not TRUNCATE: the tables
 * are nearly empty and TRUNCATE recreates each one.
 */
export async function emptyTables(dataSource: DataSource): Promise<void> {
  const migrations = dataSource.options.migrationsTableName ?? 'migrations';
  if (dialectOf(dataSource) === 'sqlite') return emptySqliteTables(dataSource, migrations);
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

/**
 * SQLite: in one transaction with the foreign keys checked at its end only (defer_foreign_keys),
 * when every table is empty; foreign_keys=OFF would be ignored inside a transaction.
 */
async function emptySqliteTables(dataSource: DataSource, migrations: string): Promise<void> {
  await dataSource.transaction(async (manager) => {
    const tables = await manager.query<Array<{ name: string }>>(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' AND name <> ?`,
      [migrations],
    );
    await manager.query('PRAGMA defer_foreign_keys = ON');
    for (const { name } of tables) await manager.query(`DELETE FROM "${name.replace(/"/g, '""')}"`);
  });
}
