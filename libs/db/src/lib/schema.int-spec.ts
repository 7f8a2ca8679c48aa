import { createTestDatabase, onMysql, TestDatabase } from '@crawlflow/testing';
import { createDataSource } from './data-source';
import { revertAllMigrationsOf } from './migrate';
import { MIGRATIONS } from './migrations';

/**
 * The expected schema, written down from the original design's ERD and our additions to it
 * (docs/data-model.md), independently of the entities and the migration. Types: a bare name is
 * information_schema DATA_TYPE; `varchar(n)` / `char(n)` compare COLUMN_TYPE; `enum:A,B` compares
 * the value list in order; `json` is DATA_TYPE json (MySQL) or longtext (MariaDB's alias); boolean
 * is tinyint.
 */
const SEED_TABLES: Record<string, Record<string, string>> = {
  crawling_workflows: {
    id: 'bigint',
    source_id: 'bigint',
    workflow_name: 'varchar(100)',
    workflow_type: 'enum:FULL_SCAN,INCREMENTAL,TARGETED',
    workflow_definition: 'text',
    is_active: 'tinyint',
    version: 'int',
    created_at: 'timestamp',
    updated_at: 'timestamp',
  },
  workflow_steps: {
    id: 'bigint',
    workflow_id: 'bigint',
    step_order: 'int',
    step_name: 'varchar(100)',
    step_type: 'enum:FETCH,PARSE,TRANSFORM,VALIDATE,STORE',
    target_type_id: 'bigint',
    input_mapping: 'text',
    output_mapping: 'text',
    error_handling: 'enum:RETRY,SKIP,FAIL',
    max_retries: 'int',
    created_at: 'timestamp',
  },
  crawling_schedules: {
    id: 'bigint',
    workflow_id: 'bigint',
    target_id: 'bigint',
    schedule_type: 'enum:FIXED,DYNAMIC,MANUAL',
    cron_expression: 'varchar(100)',
    is_active: 'tinyint',
    priority: 'int',
    next_run_at: 'timestamp',
    last_run_at: 'timestamp',
    created_at: 'timestamp',
    updated_at: 'timestamp',
    deleted_at: 'timestamp',
  },
  crawling_jobs: {
    id: 'bigint',
    schedule_id: 'bigint',
    workflow_id: 'bigint',
    target_id: 'bigint',
    job_type: 'enum:FULL,INCREMENTAL,RETRY',
    status: 'enum:PENDING,RUNNING,SUCCESS,FAILED,CANCELLED',
    scheduled_at: 'timestamp',
    started_at: 'timestamp',
    completed_at: 'timestamp',
    total_items: 'int',
    processed_items: 'int',
    success_count: 'int',
    failed_count: 'int',
    error_summary: 'text',
    created_at: 'timestamp',
    updated_at: 'timestamp',
  },
  crawling_tasks: {
    id: 'bigint',
    job_id: 'bigint',
    step_id: 'bigint',
    target_url: 'varchar(1000)',
    task_type: 'enum:FETCH,PARSE,STORE',
    status: 'enum:PENDING,RUNNING,SUCCESS,FAILED,RETRYING',
    retry_count: 'int',
    sequence_number: 'int',
    input_data: 'text',
    output_data: 'text',
    started_at: 'timestamp',
    completed_at: 'timestamp',
    response_time_ms: 'int',
    error_message: 'text',
    created_at: 'timestamp',
    updated_at: 'timestamp',
  },
  crawling_queues: {
    id: 'bigint',
    queue_type: 'enum:HIGH_PRIORITY,NORMAL,LOW_PRIORITY',
    job_id: 'bigint',
    task_id: 'bigint',
    priority: 'int',
    status: 'enum:WAITING,PROCESSING,COMPLETED,FAILED',
    scheduled_for: 'timestamp',
    attempt_count: 'int',
    payload: 'text',
    created_at: 'timestamp',
    updated_at: 'timestamp',
  },
  workflow_executions: {
    id: 'bigint',
    workflow_id: 'bigint',
    job_id: 'bigint',
    current_step: 'varchar(50)',
    status: 'enum:RUNNING,COMPLETED,FAILED,PAUSED',
    context: 'text',
    step_results: 'text',
    started_at: 'timestamp',
    completed_at: 'timestamp',
    created_at: 'timestamp',
  },
  // The original design's advanced tables.
  target_workflow_mappings: {
    target_type_id: 'bigint',
    workflow_id: 'bigint',
    condition_expression: 'text',
    priority: 'int',
  },
  job_dependencies: {
    job_id: 'bigint',
    depends_on_job_id: 'bigint',
    dependency_type: 'enum:FINISH,SUCCESS',
  },
  parallel_execution_config: {
    workflow_id: 'bigint',
    max_parallel_jobs: 'int',
    max_parallel_tasks: 'int',
    resource_pool: 'varchar(50)',
  },
};

/** Columns we add to the original design's tables, and the tables we add (docs/data-model.md). */
const EXTRA_COLUMNS: Record<string, Record<string, string>> = {
  crawling_jobs: {
    priority: 'int',
    params: 'text',
    idempotency_key: 'varchar(200)',
    workflow_version: 'int',
  },
  crawling_schedules: {
    timezone: 'varchar(64)',
    missed_run_policy: 'enum:SKIP,RUN_ONCE',
    catch_up_window_seconds: 'int',
    overlap_policy: 'enum:SKIP,QUEUE,ALLOW',
    interval_seconds: 'int',
    min_interval_seconds: 'int',
    max_interval_seconds: 'int',
    inc_rate: 'double',
    dec_rate: 'double',
  },
  // Scheduler: the decision log and the DYNAMIC interval history (1764460800000-SchedulerPolicies).
  schedule_decisions: {
    id: 'bigint',
    schedule_id: 'bigint',
    due_at: 'timestamp',
    decision: 'enum:FIRED,SKIPPED_OVERLAP,MISSED,MANUAL_FIRED',
    job_id: 'bigint',
    reason: 'varchar(500)',
    created_at: 'timestamp',
  },
  schedule_interval_history: {
    id: 'bigint',
    schedule_id: 'bigint',
    job_id: 'bigint',
    job_status: 'varchar(20)',
    changed_items: 'int',
    old_interval_seconds: 'int',
    new_interval_seconds: 'int',
    created_at: 'timestamp',
  },
  // Versioned definitions: step rows per version, and every definition a workflow has had.
  workflow_steps: { workflow_version: 'int' },
  workflow_versions: {
    workflow_id: 'bigint',
    version: 'int',
    workflow_definition: 'text',
    created_at: 'timestamp',
  },
  crawling_tasks: { step_order: 'int' },
  crawling_queues: {
    stage: 'enum:FETCH,PARSE,STORE',
    dispatched_at: 'timestamp',
    lease_until: 'timestamp',
    last_error: 'text',
    quarantine_starts: 'int',
    lease_expiries: 'int',
  },
  crawl_sources: {
    id: 'bigint',
    name: 'varchar(100)',
    base_url: 'varchar(1000)',
    created_at: 'timestamp',
    updated_at: 'timestamp',
  },
  target_types: { id: 'bigint', code: 'varchar(50)', name: 'varchar(100)', created_at: 'timestamp' },
  crawl_targets: {
    id: 'bigint',
    source_id: 'bigint',
    target_type_id: 'bigint',
    url: 'varchar(1000)',
    name: 'varchar(255)',
    attributes: 'json',
    created_at: 'timestamp',
    updated_at: 'timestamp',
  },
  crawled_items: {
    id: 'bigint',
    workflow_id: 'bigint',
    job_id: 'bigint',
    item_key: 'varchar(255)',
    data: 'json',
    content_hash: 'char(64)',
    first_seen_at: 'timestamp',
    last_seen_at: 'timestamp',
    changed_at: 'timestamp',
    fetched_at: 'timestamp',
  },
  // Documents too large for their TEXT column (1764806400000-TaskLoopReliability).
  task_data: {
    task_id: 'bigint',
    kind: 'enum:PAYLOAD,OUTPUT',
    job_id: 'bigint',
    body_gzip: 'longblob',
    body_bytes: 'int',
    created_at: 'timestamp',
  },
  url_validators: { records_gzip: 'longblob', records_count: 'int', records_version: 'int' },
};

/** index name → columns in order, per table (PRIMARY included where the original design fixes it). */
const EXPECTED_INDEXES: Record<string, Record<string, string[]>> = {
  crawling_tasks: {
    idx_tasks_job_status: ['job_id', 'status'],
    idx_tasks_retry: ['status', 'retry_count'],
    uq_tasks_job_sequence: ['job_id', 'sequence_number'],
  },
  crawling_queues: {
    PRIMARY: ['id', 'created_at'],
    idx_queues_claim: ['status', 'queue_type', 'priority', 'created_at', 'scheduled_for'],
    idx_queues_task: ['task_id'],
    idx_queues_job_status: ['job_id', 'status', 'scheduled_for'],
  },
  crawling_schedules: {
    idx_schedules_due: ['is_active', 'next_run_at'],
    idx_schedules_claim: ['is_active', 'deleted_at', 'next_run_at', 'priority'],
  },
  schedule_decisions: { idx_schedule_decisions_schedule: ['schedule_id', 'id'] },
  schedule_interval_history: { uq_interval_history_job: ['job_id'] },
  crawling_jobs: {
    idx_jobs_status: ['status'],
    idx_jobs_workflow_created: ['workflow_id', 'created_at'],
    uq_jobs_schedule_run: ['schedule_id', 'scheduled_at'],
    uq_jobs_idempotency_key: ['idempotency_key'],
  },
  target_workflow_mappings: { PRIMARY: ['target_type_id', 'workflow_id'] },
  job_dependencies: { PRIMARY: ['job_id', 'depends_on_job_id'] },
  parallel_execution_config: { PRIMARY: ['workflow_id'] },
  crawled_items: { uq_items_workflow_key: ['workflow_id', 'item_key'] },
  crawl_sources: { uq_sources_name: ['name'] },
  workflow_steps: { uq_steps_workflow_version_order: ['workflow_id', 'workflow_version', 'step_order'] },
  workflow_versions: { PRIMARY: ['workflow_id', 'version'] },
  target_types: { uq_target_types_code: ['code'] },
  crawling_tasks_archive: { PRIMARY: ['id'], idx_tasks_archive_job: ['job_id', 'sequence_number'] },
  workflow_executions_archive: { PRIMARY: ['id'], idx_executions_archive_job: ['job_id'] },
};

const UNIQUE_INDEXES = [
  'uq_jobs_schedule_run',
  'uq_jobs_idempotency_key',
  'uq_items_workflow_key',
  'uq_sources_name',
  'uq_target_types_code',
  'uq_steps_workflow_version_order',
];

/** `table.column → referenced table, ON DELETE` for every foreign key, so none appears by accident. */
const EXPECTED_FOREIGN_KEYS: Record<string, string> = {
  'crawl_targets.source_id': 'crawl_sources RESTRICT',
  'crawl_targets.target_type_id': 'target_types RESTRICT',
  'crawling_workflows.source_id': 'crawl_sources RESTRICT',
  'workflow_steps.workflow_id': 'crawling_workflows CASCADE',
  'workflow_steps.target_type_id': 'target_types SET NULL',
  'crawling_schedules.workflow_id': 'crawling_workflows CASCADE',
  'crawling_schedules.target_id': 'crawl_targets CASCADE',
  'crawling_jobs.schedule_id': 'crawling_schedules SET NULL',
  'crawling_jobs.workflow_id': 'crawling_workflows RESTRICT',
  'crawling_jobs.target_id': 'crawl_targets SET NULL',
  'crawling_tasks.job_id': 'crawling_jobs CASCADE',
  'crawling_tasks.step_id': 'workflow_steps SET NULL',
  'workflow_executions.workflow_id': 'crawling_workflows RESTRICT',
  'workflow_executions.job_id': 'crawling_jobs CASCADE',
  'job_dependencies.job_id': 'crawling_jobs CASCADE',
  'job_dependencies.depends_on_job_id': 'crawling_jobs CASCADE',
  'target_workflow_mappings.target_type_id': 'target_types CASCADE',
  'target_workflow_mappings.workflow_id': 'crawling_workflows CASCADE',
  'parallel_execution_config.workflow_id': 'crawling_workflows CASCADE',
  'crawled_items.workflow_id': 'crawling_workflows CASCADE',
  'schedule_decisions.schedule_id': 'crawling_schedules CASCADE',
  'schedule_interval_history.schedule_id': 'crawling_schedules CASCADE',
  'workflow_versions.workflow_id': 'crawling_workflows CASCADE',
};

const VIEW_COLUMNS = [
  'job_date',
  'workflow_id',
  'total_jobs',
  'success_jobs',
  'avg_duration_sec',
  'total_items_processed',
];

interface ColumnRow {
  TABLE_NAME: string;
  COLUMN_NAME: string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
}

function expectedTables(): Record<string, Record<string, string>> {
  const all: Record<string, Record<string, string>> = {};
  for (const source of [SEED_TABLES, EXTRA_COLUMNS]) {
    for (const [table, columns] of Object.entries(source)) all[table] = { ...all[table], ...columns };
  }
  all.crawling_jobs_archive = { ...all.crawling_jobs, archived_at: 'timestamp' };
  // Archived jobs take their tasks and executions along (1764720000000-JobArchive).
  all.crawling_tasks_archive = { ...all.crawling_tasks, archived_at: 'timestamp' };
  all.workflow_executions_archive = { ...all.workflow_executions, archived_at: 'timestamp' };
  return all;
}

/** Reduces an information_schema column to the notation of the expectations above. */
function describeColumn(row: ColumnRow, expected: string): string {
  const dataType = row.DATA_TYPE.toLowerCase();
  if (expected === 'json') return dataType === 'longtext' || dataType === 'json' ? 'json' : dataType;
  if (expected.startsWith('enum:')) {
    const values = [...row.COLUMN_TYPE.matchAll(/'((?:[^']|'')*)'/g)].map((match) => match[1]);
    return `${dataType}:${values.join(',')}`;
  }
  if (/^(var)?char\(/.test(expected)) return row.COLUMN_TYPE.toLowerCase();
  return dataType;
}

// MySQL's schema as information_schema describes it (SQLite's: migrations-sqlite/sqlite-schema.int-spec.ts).
onMysql('the initial schema', () => {
  let db: TestDatabase;
  const schema = (): string => db.name;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it("has every original design's, extra and stand-in column with its type and enum values", async () => {
    const rows = await db.dataSource.query<ColumnRow[]>(
      'SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?',
      [schema()],
    );
    const actual = new Map(rows.map((row) => [`${row.TABLE_NAME}.${row.COLUMN_NAME}`, row]));
    const mismatches: string[] = [];
    for (const [table, columns] of Object.entries(expectedTables())) {
      for (const [column, expected] of Object.entries(columns)) {
        const row = actual.get(`${table}.${column}`);
        const found = row ? describeColumn(row, expected) : 'missing';
        if (found !== expected) mismatches.push(`${table}.${column}: expected ${expected}, found ${found}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('has the archive with exactly the columns of crawling_jobs, in order, plus archived_at', async () => {
    const columnsOf = async (table: string): Promise<string[]> =>
      (
        await db.dataSource.query<{ COLUMN_NAME: string; COLUMN_TYPE: string }[]>(
          'SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
          [schema(), table],
        )
      ).map((row) => `${row.COLUMN_NAME} ${row.COLUMN_TYPE}`);
    const jobs = await columnsOf('crawling_jobs');
    expect(await columnsOf('crawling_jobs_archive')).toEqual([...jobs, 'archived_at timestamp(3)']);
  });

  it('has task and execution archives with exactly the columns of their live tables, plus archived_at', async () => {
    const columnsOf = async (table: string): Promise<string[]> =>
      (
        await db.dataSource.query<{ COLUMN_NAME: string; COLUMN_TYPE: string }[]>(
          'SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
          [schema(), table],
        )
      ).map((row) => `${row.COLUMN_NAME} ${row.COLUMN_TYPE}`);
    for (const table of ['crawling_tasks', 'workflow_executions']) {
      expect(await columnsOf(`${table}_archive`)).toEqual([
        ...(await columnsOf(table)),
        'archived_at timestamp(3)',
      ]);
    }
  });

  it("has the original design's indexes and the claim, due-schedule and job indexes", async () => {
    const rows = await db.dataSource.query<
      { TABLE_NAME: string; INDEX_NAME: string; COLUMN_NAME: string; NON_UNIQUE: number | string }[]
    >(
      'SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX',
      [schema()],
    );
    const indexes = new Map<string, string[]>();
    const unique = new Set<string>();
    for (const row of rows) {
      const key = `${row.TABLE_NAME}.${row.INDEX_NAME}`;
      indexes.set(key, [...(indexes.get(key) ?? []), row.COLUMN_NAME]);
      if (Number(row.NON_UNIQUE) === 0) unique.add(row.INDEX_NAME);
    }
    for (const [table, expected] of Object.entries(EXPECTED_INDEXES)) {
      for (const [name, columns] of Object.entries(expected)) {
        expect({ index: `${table}.${name}`, columns: indexes.get(`${table}.${name}`) }).toEqual({
          index: `${table}.${name}`,
          columns,
        });
      }
    }
    for (const name of UNIQUE_INDEXES) expect(unique).toContain(name);

    // The claim index must be in the claim query's order, priority descending (see the entity).
    const [priority] = await db.dataSource.query<{ COLLATION: string }[]>(
      `SELECT COLLATION FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'crawling_queues' AND INDEX_NAME = 'idx_queues_claim' AND COLUMN_NAME = 'priority'`,
      [schema()],
    );
    expect(priority.COLLATION).toBe('D');
  });

  it('has the foreign keys with their deliberate ON DELETE rules, and none on crawling_queues', async () => {
    const rows = await db.dataSource.query<
      { TABLE_NAME: string; COLUMN_NAME: string; REFERENCED_TABLE_NAME: string; DELETE_RULE: string }[]
    >(
      `SELECT k.TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, r.DELETE_RULE
         FROM information_schema.KEY_COLUMN_USAGE k
         JOIN information_schema.REFERENTIAL_CONSTRAINTS r
           ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
        WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL`,
      [schema()],
    );
    const actual = Object.fromEntries(
      rows.map((row) => [
        `${row.TABLE_NAME}.${row.COLUMN_NAME}`,
        `${row.REFERENCED_TABLE_NAME} ${row.DELETE_RULE}`,
      ]),
    );
    expect(actual).toEqual(EXPECTED_FOREIGN_KEYS);
  });

  it('has the v_job_statistics view, and it answers', async () => {
    const views = await db.dataSource.query<{ TABLE_NAME: string }[]>(
      'SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?',
      [schema()],
    );
    expect(views.map((view) => view.TABLE_NAME)).toEqual(['v_job_statistics']);
    const columns = await db.dataSource.query<{ COLUMN_NAME: string }[]>(
      'SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [schema(), 'v_job_statistics'],
    );
    expect(columns.map((column) => column.COLUMN_NAME)).toEqual(VIEW_COLUMNS);

    await db.dataSource.query(
      "INSERT INTO crawl_sources (name, base_url) VALUES ('view-test', 'http://127.0.0.1')",
    );
    await db.dataSource.query(
      "INSERT INTO crawling_workflows (source_id, workflow_name, workflow_type) SELECT id, 'w', 'INCREMENTAL' FROM crawl_sources WHERE name = 'view-test'",
    );
    await db.dataSource.query(
      `INSERT INTO crawling_jobs (workflow_id, status, started_at, completed_at, processed_items)
       SELECT id, 'SUCCESS', NOW() - INTERVAL 10 SECOND, NOW(), 7 FROM crawling_workflows WHERE workflow_name = 'w'`,
    );
    const stats = await db.dataSource.query<Record<string, unknown>[]>('SELECT * FROM v_job_statistics');
    expect(stats).toHaveLength(1);
    expect(Number(stats[0].total_jobs)).toBe(1);
    expect(Number(stats[0].success_jobs)).toBe(1);
    expect(Number(stats[0].total_items_processed)).toBe(7);
  });

  it('partitions crawling_queues by UTC day: today, tomorrow and p_future', async () => {
    const rows = await db.dataSource.query<{ PARTITION_NAME: string; PARTITION_METHOD: string }[]>(
      `SELECT PARTITION_NAME, PARTITION_METHOD FROM information_schema.PARTITIONS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'crawling_queues' ORDER BY PARTITION_ORDINAL_POSITION`,
      [schema()],
    );
    const names = rows.map((row) => row.PARTITION_NAME);
    const day = (offset: number): string =>
      `p${new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '')}`;
    expect(rows.every((row) => row.PARTITION_METHOD === 'RANGE')).toBe(true);
    expect(names[names.length - 1]).toBe('p_future');
    expect(names.filter((name) => /^p\d{8}$/.test(name)).length).toBeGreaterThanOrEqual(2);
    expect(names).toContain(day(0));
    expect(names).toContain(day(1));
  });

  it('lets a repository insert into the partitioned crawling_queues and returns the id', async () => {
    const { CrawlingQueue } = await import('./entities');
    const repository = db.dataSource.getRepository(CrawlingQueue);
    const result = await repository.insert({ stage: 'FETCH', taskId: '42', payload: '{}' });
    expect(result.identifiers[0].id).toMatch(/^\d+$/);
    const saved = await repository.save(repository.create({ stage: 'PARSE', jobId: '7' }));
    expect(saved.id).toMatch(/^\d+$/);
    expect(saved.createdAt).toBeInstanceOf(Date);
    expect(await repository.findOneByOrFail({ id: saved.id })).toMatchObject({
      stage: 'PARSE',
      jobId: '7',
      status: 'WAITING',
    });
  });

  it('agrees with the entities (no pending schema change except the queue table key)', async () => {
    // TypeORM reads MariaDB's information_schema correctly only when told it is MariaDB.
    const [{ version }] = await db.dataSource.query<{ version: string }[]>('SELECT VERSION() AS version');
    const dataSource = createDataSource(db.config, { type: /mariadb/i.test(version) ? 'mariadb' : 'mysql' });
    await dataSource.initialize();
    try {
      const pending = (await dataSource.driver.createSchemaBuilder().log()).upQueries.map(
        (query) => query.query,
      );
      // Unavoidable: the table's primary key is (id, created_at) because every unique key of a
      // partitioned table must hold the partitioning column, while the entity maps id alone so that
      // repository inserts can find the new row. TypeORM therefore wants to rebuild that key and,
      // with it, idx_queues_claim (whose `priority DESC` it cannot express either). Nothing else may
      // differ: not one column of that table, nor anything in any other table.
      const queueKeyRebuild = (query: string): boolean =>
        query.includes('`crawling_queues`') &&
        /PRIMARY KEY|CHANGE `id` `id` bigint NOT NULL( AUTO_INCREMENT)?$|INDEX `idx_queues_claim`/.test(
          query,
        );
      expect(pending.filter((query) => !queueKeyRebuild(query))).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('reverts completely, leaving only the migrations table', async () => {
    const reverted = await revertAllMigrationsOf(db.dataSource);
    expect(reverted).toEqual(MIGRATIONS.map((migration) => migration.name).reverse());
    const left = await db.dataSource.query<{ TABLE_NAME: string }[]>(
      'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [schema()],
    );
    expect(left.map((row) => row.TABLE_NAME)).toEqual(['crawlflow_migrations']);
  });
});
