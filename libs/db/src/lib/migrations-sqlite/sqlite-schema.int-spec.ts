import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDatabaseConfig } from '@crawlflow/config';
import { onMysql } from '@crawlflow/testing';
import { DataSource } from 'typeorm';
import {
  checkSqliteDownUp,
  classifyDifferences,
  EXPECTED_DIFFERENCES,
  migratedMysqlShape,
  migratedSqliteShape,
  withScratchSqlite,
} from './compare-schemas';
import { diffShapes, SchemaShape } from './schema-shape';
import { applySqliteMigrations } from './sqlite-schema-shape';
import { SQLITE_MIGRATIONS } from './index';

// The comparison needs the MySQL server: a run on SQLite has none to compare with.
onMysql('the SQLite migration', () => {
  let mysql: SchemaShape;
  let sqlite: SchemaShape;

  beforeAll(async () => {
    mysql = await migratedMysqlShape(loadDatabaseConfig(process.env));
    sqlite = await migratedSqliteShape();
  });

  it('builds the schema the MySQL migrations build, but for the expected differences', () => {
    const comparison = classifyDifferences(diffShapes(mysql, sqlite));
    expect(comparison.unexpected).toEqual([]);
    expect(comparison.stale).toEqual([]);
    expect(comparison.expected.sort()).toEqual(Object.keys(EXPECTED_DIFFERENCES).sort());
  });

  it('is compared closely enough that a changed column, key, index or view shows', () => {
    const changed = (change: (shape: SchemaShape) => void): string[] => {
      const copy = structuredClone(sqlite);
      change(copy);
      return classifyDifferences(diffShapes(mysql, copy)).unexpected;
    };
    const column = (shape: SchemaShape, table: string, name: string) => {
      const found = shape.tables[table].columns.find((candidate) => candidate.name === name);
      if (!found) throw new Error(`no column ${table}.${name}`);
      return found;
    };

    expect(changed((s) => (column(s, 'crawling_jobs', 'status').nullable = true))).toEqual([
      'crawling_jobs.status: nullable false expected, true found',
    ]);
    expect(changed((s) => (column(s, 'crawling_jobs', 'status').check = 'in:PENDING'))).toHaveLength(1);
    expect(changed((s) => (column(s, 'crawling_queues', 'created_at').default = 'now:ms'))).toHaveLength(1);
    expect(changed((s) => (column(s, 'crawling_workflows', 'is_active').type = 'TINYINT'))).toHaveLength(1);
    expect(changed((s) => (column(s, 'crawled_items', 'item_key').collation = 'BINARY'))).toHaveLength(1);
    expect(changed((s) => s.tables.crawling_tasks.columns.reverse())).toHaveLength(1);
    expect(
      changed((s) => (s.tables.crawling_queues.indexes.idx_queues_claim.columns[2] = 'priority')),
    ).toHaveLength(1);
    expect(changed((s) => delete s.tables.crawl_pages.indexes.uq_pages_task)).toHaveLength(1);
    // RESTRICT and NO ACTION differ inside a transaction that defers its checks.
    expect(
      changed((s) => {
        const keys = s.tables.crawl_targets.foreignKeys;
        keys[0] = keys[0].replace('ON DELETE RESTRICT', 'ON DELETE NO ACTION');
      }),
    ).toEqual([
      'crawl_targets: foreign key (source_id) → crawl_sources(id) ON DELETE RESTRICT ON UPDATE NO ACTION: missing in SQLite',
      'crawl_targets: foreign key (source_id) → crawl_sources(id) ON DELETE NO ACTION ON UPDATE NO ACTION: only in SQLite',
    ]);
    expect(changed((s) => s.views.v_job_statistics.pop())).toHaveLength(1);
    expect(changed((s) => delete s.tables.task_data)).toEqual(['table task_data: missing in SQLite']);
  });

  it('goes down to nothing and up again to the same schema', async () => {
    expect(await checkSqliteDownUp()).toEqual([]);
  });

  it('runs through TypeORM’s better-sqlite3 driver, up and down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-sqlite-typeorm-'));
    const dataSource = new DataSource({
      type: 'better-sqlite3',
      database: join(dir, 'crawlflow.sqlite'),
      migrations: SQLITE_MIGRATIONS,
      migrationsTableName: 'crawlflow_migrations',
    });
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      expect(applied.map((migration) => migration.name)).toEqual(['SqliteSchema1764892800001']);
      await dataSource.undoLastMigration({ transaction: 'each' });
      const left = await dataSource.query<Array<{ name: string }>>(
        "SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite%' AND name <> 'crawlflow_migrations'",
      );
      expect(left).toEqual([]);
    } finally {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the foreign keys’ rules, the enum checks and the collations it chose', () =>
    withScratchSqlite(async (db) => {
      await applySqliteMigrations(db, SQLITE_MIGRATIONS, 'up');
      db.exec(`INSERT INTO crawl_sources (id, name, base_url) VALUES (1, 'shop', 'http://shop/')`);
      db.exec(
        `INSERT INTO crawling_workflows (id, source_id, workflow_name, workflow_type) VALUES (1, 1, 'w', 'FULL_SCAN')`,
      );
      db.exec(`INSERT INTO crawling_jobs (id, workflow_id) VALUES (1, 1)`);
      expect(() => db.exec('DELETE FROM crawl_sources WHERE id = 1')).toThrow(/FOREIGN KEY/);
      expect(() => db.exec(`UPDATE crawling_jobs SET status = 'pending'`)).toThrow(/CHECK/);
      expect(() =>
        db.exec(
          `INSERT INTO crawled_items (workflow_id, job_id, item_key, data, content_hash) VALUES (1, 1, 'k', '{', 'h')`,
        ),
      ).toThrow(/CHECK/);
      db.exec(
        `INSERT INTO crawled_items (workflow_id, job_id, item_key, data, content_hash) VALUES (1, 1, 'k', '{}', 'h')`,
      );
      // utf8mb4_bin: trailing spaces do not make another key, another case does.
      expect(() =>
        db.exec(
          `INSERT INTO crawled_items (workflow_id, job_id, item_key, data, content_hash) VALUES (1, 1, 'k  ', '{}', 'h')`,
        ),
      ).toThrow(/UNIQUE/);
      db.exec(
        `INSERT INTO crawled_items (workflow_id, job_id, item_key, data, content_hash) VALUES (1, 1, 'K', '{}', 'h')`,
      );
      db.exec(`INSERT INTO resource_pools (name, slots) VALUES ('Shared', 2)`);
      expect(() => db.exec(`INSERT INTO resource_pools (name, slots) VALUES ('shared', 3)`)).toThrow(
        /UNIQUE/,
      );
      db.exec(`INSERT INTO parallel_execution_config (workflow_id, resource_pool) VALUES (1, 'SHARED')`);
      expect(
        db
          .prepare('SELECT COUNT(*) AS n FROM parallel_execution_config p WHERE p.resource_pool = ?')
          .get('shared'),
      ).toEqual({ n: 1 });
      // Cascade from the workflow; the job's RESTRICT keeps the workflow while the job is there.
      expect(() => db.exec('DELETE FROM crawling_workflows WHERE id = 1')).toThrow(/FOREIGN KEY/);
      db.exec('DELETE FROM crawling_jobs');
      db.exec('DELETE FROM crawling_workflows WHERE id = 1');
      expect(db.prepare('SELECT COUNT(*) AS n FROM crawled_items').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM parallel_execution_config').get()).toEqual({ n: 0 });
    }));

  it('answers v_job_statistics with built-in functions, seconds truncated as TIMESTAMPDIFF does', () =>
    withScratchSqlite(async (db) => {
      await applySqliteMigrations(db, SQLITE_MIGRATIONS, 'up');
      db.exec(
        `INSERT INTO crawling_workflows (id, workflow_name, workflow_type) VALUES (1, 'w', 'FULL_SCAN')`,
      );
      const now = "strftime('%Y-%m-%d %H:%M:%f', 'now')";
      const at = (modifier: string) => `strftime('%Y-%m-%d %H:%M:%f', 'now', '${modifier}')`;
      // 2.9 s and 1.2 s: TIMESTAMPDIFF(SECOND) gives 2 and 1, their average 1.5.
      db.exec(`INSERT INTO crawling_jobs (workflow_id, status, started_at, completed_at, processed_items, created_at) VALUES
        (1, 'SUCCESS', ${at('-10 seconds')}, ${at('-7.1 seconds')}, 3, ${now}),
        (1, 'FAILED', ${at('-10 seconds')}, ${at('-8.8 seconds')}, 4, ${now}),
        (1, 'SUCCESS', NULL, NULL, 5, ${at('-8 days')})`);
      const { today } = db
        .prepare('SELECT MAX(substr(created_at, 1, 10)) AS today FROM crawling_jobs')
        .get() as {
        today: string;
      };
      expect(db.prepare('SELECT * FROM v_job_statistics').all()).toEqual([
        {
          job_date: today,
          workflow_id: 1,
          total_jobs: 2,
          success_jobs: 1,
          avg_duration_sec: 1.5,
          total_items_processed: 7,
        },
      ]);
    }));
});
