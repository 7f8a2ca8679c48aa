import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseConfig } from '@crawlflow/config';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { createDataSource } from '../data-source';
import { dropDatabase, ensureDatabase } from '../migrate';
import { readMysqlShape } from './mysql-schema-shape';
import { diffShapes, SchemaShape } from './schema-shape';
import { applySqliteMigrations, readSqliteShape, sqliteObjects } from './sqlite-schema-shape';
import { SQLITE_MIGRATIONS } from './index';

/** The differences SQLite forces or that were chosen, each with its reason (…-SqliteSchema.ts says more). */
export const EXPECTED_DIFFERENCES: Readonly<Record<string, string>> = {
  'crawling_queues: primary key (id, created_at) ≠ (id)':
    'not partitioned on SQLite: the partitioning column need not be in the key',
  'crawl_sources.updated_at: ON UPDATE CURRENT_TIMESTAMP in MySQL only': 'writers set it on SQLite',
  'crawl_targets.updated_at: ON UPDATE CURRENT_TIMESTAMP in MySQL only': 'writers set it on SQLite',
  'crawling_workflows.updated_at: ON UPDATE CURRENT_TIMESTAMP in MySQL only': 'writers set it on SQLite',
  'crawling_schedules.updated_at: ON UPDATE CURRENT_TIMESTAMP in MySQL only': 'writers set it on SQLite',
  'crawling_jobs.updated_at: ON UPDATE CURRENT_TIMESTAMP(3) in MySQL only': 'writers set it on SQLite',
  'crawling_jobs_archive.updated_at: ON UPDATE CURRENT_TIMESTAMP(3) in MySQL only':
    'writers set it on SQLite',
  'crawling_tasks.updated_at: ON UPDATE CURRENT_TIMESTAMP(3) in MySQL only': 'writers set it on SQLite',
  'crawling_queues.updated_at: ON UPDATE CURRENT_TIMESTAMP(3) in MySQL only': 'writers set it on SQLite',
  'url_validators.updated_at: ON UPDATE CURRENT_TIMESTAMP(3) in MySQL only': 'writers set it on SQLite',
  'resource_pools.updated_at: ON UPDATE CURRENT_TIMESTAMP(3) in MySQL only': 'writers set it on SQLite',
  'resource_pools.name: collation BINARY expected, NOCASE found':
    'pools are found whatever case a call spells them in (utf8mb4_unicode_ci)',
  'parallel_execution_config.resource_pool: collation BINARY expected, NOCASE found':
    "a workflow's pool is counted whatever case names it (utf8mb4_unicode_ci)",
};

export interface SchemaComparison {
  /** Differences not in EXPECTED_DIFFERENCES: the SQLite migration is wrong (or the list is). */
  unexpected: string[];
  /** Differences listed as expected, found. */
  expected: string[];
  /** Listed as expected but not found: the list is out of date. */
  stale: string[];
}

export function classifyDifferences(differences: readonly string[]): SchemaComparison {
  const expected = differences.filter((difference) => difference in EXPECTED_DIFFERENCES);
  return {
    unexpected: differences.filter((difference) => !(difference in EXPECTED_DIFFERENCES)),
    expected,
    stale: Object.keys(EXPECTED_DIFFERENCES).filter((difference) => !expected.includes(difference)),
  };
}

/** A database of our own next to the configured one, on the same server. */
function scratchConfig(server: DatabaseConfig): DatabaseConfig {
  const database = `cf_schema_${randomBytes(6).toString('hex')}`;
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  return { ...server, url: url.toString(), database };
}

/** The final MySQL schema: the MySQL migrations applied to a scratch database, read, dropped. */
export async function migratedMysqlShape(server: DatabaseConfig): Promise<SchemaShape> {
  const config = scratchConfig(server);
  await ensureDatabase(config);
  try {
    const dataSource = createDataSource(config, { extra: { connectionLimit: 1 } });
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      // MySQL says tinyint of any width: which of them are booleans, the entities say.
      const booleans = new Set(
        dataSource.entityMetadatas.flatMap((entity) =>
          entity.columns
            .filter((column) => column.type === 'boolean' || column.type === Boolean)
            .map((column) => `${entity.tableName}.${column.databaseName}`),
        ),
      );
      return await readMysqlShape(dataSource, config.database, booleans);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await dropDatabase(config);
  }
}

/** Runs `use` on a fresh SQLite file with foreign keys on (as the app opens it), then deletes it. */
export function withScratchSqlite<T>(use: (db: Database) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-schema-'));
  const db = new BetterSqlite3(join(dir, 'schema.sqlite'));
  db.pragma('foreign_keys = ON');
  return use(db).finally(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** The SQLite schema: SQLITE_MIGRATIONS applied (up) to a scratch file. */
export function migratedSqliteShape(): Promise<SchemaShape> {
  return withScratchSqlite(async (db) => {
    await applySqliteMigrations(db, SQLITE_MIGRATIONS, 'up');
    return readSqliteShape(db);
  });
}

/** Migrates both databases from nothing and compares what they hold. */
export async function compareSchemas(server: DatabaseConfig): Promise<SchemaComparison> {
  const [mysql, sqlite] = [await migratedMysqlShape(server), await migratedSqliteShape()];
  return classifyDifferences(diffShapes(mysql, sqlite));
}

/**
 * up, down, up again on SQLite: down must leave nothing behind, and the second up must build the
 * schema the first one did. Answers the problems found ([] when there are none).
 */
export function checkSqliteDownUp(): Promise<string[]> {
  return withScratchSqlite(async (db) => {
    await applySqliteMigrations(db, SQLITE_MIGRATIONS, 'up');
    const first = readSqliteShape(db);
    await applySqliteMigrations(db, SQLITE_MIGRATIONS, 'down');
    const problems = sqliteObjects(db).map((name) => `down left ${name} behind`);
    await applySqliteMigrations(db, SQLITE_MIGRATIONS, 'up');
    if (JSON.stringify(readSqliteShape(db)) !== JSON.stringify(first))
      problems.push('up after down built another schema than the first up');
    return problems;
  });
}
