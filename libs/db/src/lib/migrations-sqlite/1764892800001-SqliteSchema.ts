import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The schema that the seven MySQL migrations (../migrations, up to LeaseExpiries1764892800000) leave
 * behind, in one step for the embedded SQLite database of the standalone mode. Same tables, columns
 * in the same order (the archivers copy rows column by column), defaults, NOT NULLs, keys, index
 * names, foreign keys with their ON DELETE / ON UPDATE rules, and the view.
 * tools/schema/compare-schemas.ts (and sqlite-schema.int-spec.ts) proves it against a migrated
 * MariaDB; a MySQL migration added after LeaseExpiries needs its SQLite twin here or in a new file.
 *
 * Declared types are what the compatibility layer (../sqlite) reads back through better-sqlite3's
 * statement.columns(): INTEGER only for AUTO_INCREMENT ids (an alias of the rowid), BIGINT / INT
 * for the other integers, BOOLEAN for the entities' boolean columns (is_active: tinyint in MySQL),
 * TIMESTAMP for timestamps (UTC text 'YYYY-MM-DD HH:MM:SS.mmm'), TEXT + CHECK for enums, JSON
 * (text, with MySQL's validity check) for json, BLOB for longblob.
 *
 * Differences that SQLite forces:
 * - ON UPDATE CURRENT_TIMESTAMP has no SQLite form (and no trigger stands in for it): on SQLite the
 *   writers set these columns themselves. In MySQL they are, with the precision of their values:
 *     crawl_sources.updated_at          TIMESTAMP    (seconds)
 *     crawl_targets.updated_at          TIMESTAMP    (seconds)
 *     crawling_workflows.updated_at     TIMESTAMP    (seconds)
 *     crawling_schedules.updated_at     TIMESTAMP    (seconds)
 *     crawling_jobs.updated_at          TIMESTAMP(3) (milliseconds)
 *     crawling_jobs_archive.updated_at  TIMESTAMP(3) (milliseconds; crawling_tasks_archive has none)
 *     crawling_tasks.updated_at         TIMESTAMP(3) (milliseconds)
 *     crawling_queues.updated_at        TIMESTAMP(3) (milliseconds)
 *     url_validators.updated_at         TIMESTAMP(3) (milliseconds)
 *     resource_pools.updated_at         TIMESTAMP(3) (milliseconds)
 *   MySQL moves them only when an UPDATE changes some value of the row.
 * - crawling_queues is not partitioned, so its key is the plain (id) instead of (id, created_at):
 *   MySQL needs the partitioning column in every unique key. Ids stay unique, as they are in MySQL.
 * - Timestamp defaults are UTC text from strftime(): milliseconds where MySQL has TIMESTAMP(3),
 *   whole seconds where it has TIMESTAMP.
 *
 * Collations: MySQL compares these columns with utf8mb4_unicode_ci (case-insensitive); here they
 * are BINARY except where the code relies on MySQL's behaviour:
 * - resource_pools.name and parallel_execution_config.resource_pool: NOCASE. A pool is found and
 *   counted whatever case a call spells it in (ParallelismRepository.setPoolSlots, the admission
 *   join on resource_pool); pool names are ASCII (the API's pattern), which NOCASE folds exactly.
 * - crawled_items.item_key: RTRIM, the equivalent of its utf8mb4_bin (byte for byte, trailing
 *   spaces ignored).
 * - BINARY elsewhere, knowingly: crawl_sources.name and target_types.code are unique byte for byte
 *   here ("Shop" and "shop" are two sources, one conflict in MySQL), workflow names are matched by
 *   case, and enum CHECKs take the exact spelling (MySQL folds 'pending' into 'PENDING'). Nothing
 *   in the code sends another case.
 * Index names are global in SQLite; the MySQL names are unique across tables already, so each
 * index keeps its MySQL name. Foreign keys hold only with PRAGMA foreign_keys = ON (TypeORM's
 * better-sqlite3 driver sets it on each connection).
 */
const MS_NOW = "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";
const SECONDS_NOW = "(strftime('%Y-%m-%d %H:%M:%S', 'now'))";

/** A MySQL enum: its values, exactly. */
function oneOf(column: string, values: readonly string[]): string {
  return `CHECK (${column} IN (${values.map((value) => `'${value}'`).join(', ')}))`;
}

/** crawling_jobs and its archive share these columns, in this order (after id). */
const JOB_COLUMNS = `
  schedule_id BIGINT NULL,
  workflow_id BIGINT NOT NULL,
  workflow_version INT NOT NULL DEFAULT 1,
  target_id BIGINT NULL,
  job_type TEXT NOT NULL DEFAULT 'FULL' ${oneOf('job_type', ['FULL', 'INCREMENTAL', 'RETRY'])},
  status TEXT NOT NULL DEFAULT 'PENDING' ${oneOf('status', ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'])},
  priority INT NOT NULL DEFAULT 5,
  params TEXT NULL,
  idempotency_key VARCHAR(200) NULL,
  scheduled_at TIMESTAMP NULL,
  started_at TIMESTAMP NULL,
  completed_at TIMESTAMP NULL,
  total_items INT NOT NULL DEFAULT 0,
  processed_items INT NOT NULL DEFAULT 0,
  success_count INT NOT NULL DEFAULT 0,
  failed_count INT NOT NULL DEFAULT 0,
  error_summary TEXT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  updated_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW}`;

/** crawling_tasks and its archive share these columns, in this order (after id). */
const TASK_COLUMNS = `
  job_id BIGINT NOT NULL,
  step_id BIGINT NULL,
  step_order INT NULL,
  target_url VARCHAR(1000) NULL,
  task_type TEXT NOT NULL ${oneOf('task_type', ['FETCH', 'PARSE', 'STORE'])},
  status TEXT NOT NULL DEFAULT 'PENDING' ${oneOf('status', ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'RETRYING'])},
  retry_count INT NOT NULL DEFAULT 0,
  sequence_number INT NOT NULL DEFAULT 0,
  input_data TEXT NULL,
  output_data TEXT NULL,
  started_at TIMESTAMP NULL,
  completed_at TIMESTAMP NULL,
  response_time_ms INT NULL,
  error_message TEXT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  updated_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW}`;

/** workflow_executions and its archive share these columns, in this order (after id). */
const EXECUTION_COLUMNS = `
  workflow_id BIGINT NOT NULL,
  job_id BIGINT NOT NULL,
  current_step VARCHAR(50) NULL,
  status TEXT NOT NULL DEFAULT 'RUNNING' ${oneOf('status', ['RUNNING', 'COMPLETED', 'FAILED', 'PAUSED'])},
  context TEXT NULL,
  step_results TEXT NULL,
  started_at TIMESTAMP NULL,
  completed_at TIMESTAMP NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW}`;

/** Parents before children: a table's foreign keys name tables created before it. */
const TABLES: ReadonlyArray<{ name: string; columns: string; indexes?: readonly string[] }> = [
  {
    name: 'crawl_sources',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(100) NOT NULL,
  base_url VARCHAR(1000) NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW},
  updated_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW}`,
    indexes: ['CREATE UNIQUE INDEX uq_sources_name ON crawl_sources (name)'],
  },
  {
    name: 'target_types',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  code VARCHAR(50) NOT NULL,
  name VARCHAR(100) NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW}`,
    indexes: ['CREATE UNIQUE INDEX uq_target_types_code ON target_types (code)'],
  },
  {
    name: 'crawl_targets',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  source_id BIGINT NOT NULL,
  target_type_id BIGINT NULL,
  url VARCHAR(1000) NOT NULL,
  name VARCHAR(255) NULL,
  attributes JSON NULL CHECK (json_valid(attributes)),
  created_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW},
  updated_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW},
  CONSTRAINT fk_targets_source FOREIGN KEY (source_id) REFERENCES crawl_sources (id) ON DELETE RESTRICT ON UPDATE NO ACTION,
  CONSTRAINT fk_targets_type FOREIGN KEY (target_type_id) REFERENCES target_types (id) ON DELETE RESTRICT ON UPDATE NO ACTION`,
    indexes: [
      'CREATE INDEX idx_targets_source ON crawl_targets (source_id)',
      'CREATE INDEX idx_targets_type ON crawl_targets (target_type_id)',
    ],
  },
  {
    name: 'crawling_workflows',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  source_id BIGINT NULL,
  workflow_name VARCHAR(100) NOT NULL,
  workflow_type TEXT NOT NULL ${oneOf('workflow_type', ['FULL_SCAN', 'INCREMENTAL', 'TARGETED'])},
  workflow_definition TEXT NULL,
  is_active BOOLEAN NOT NULL DEFAULT 1,
  version INT NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW},
  updated_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW},
  CONSTRAINT fk_workflows_source FOREIGN KEY (source_id) REFERENCES crawl_sources (id) ON DELETE RESTRICT ON UPDATE NO ACTION`,
    indexes: [
      'CREATE INDEX idx_workflows_source ON crawling_workflows (source_id)',
      'CREATE INDEX idx_workflows_name ON crawling_workflows (workflow_name)',
    ],
  },
  {
    name: 'workflow_steps',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  workflow_id BIGINT NOT NULL,
  workflow_version INT NOT NULL DEFAULT 1,
  step_order INT NOT NULL,
  step_name VARCHAR(100) NOT NULL,
  step_type TEXT NOT NULL ${oneOf('step_type', ['FETCH', 'PARSE', 'TRANSFORM', 'VALIDATE', 'STORE'])},
  target_type_id BIGINT NULL,
  input_mapping TEXT NULL,
  output_mapping TEXT NULL,
  error_handling TEXT NOT NULL DEFAULT 'RETRY' ${oneOf('error_handling', ['RETRY', 'SKIP', 'FAIL'])},
  max_retries INT NOT NULL DEFAULT 3,
  created_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW},
  CONSTRAINT fk_steps_workflow FOREIGN KEY (workflow_id) REFERENCES crawling_workflows (id) ON DELETE CASCADE ON UPDATE NO ACTION,
  CONSTRAINT fk_steps_target_type FOREIGN KEY (target_type_id) REFERENCES target_types (id) ON DELETE SET NULL ON UPDATE NO ACTION`,
    indexes: [
      'CREATE UNIQUE INDEX uq_steps_workflow_version_order ON workflow_steps (workflow_id, workflow_version, step_order)',
      'CREATE INDEX idx_steps_workflow_order ON workflow_steps (workflow_id, step_order)',
      'CREATE INDEX idx_steps_target_type ON workflow_steps (target_type_id)',
    ],
  },
  {
    name: 'workflow_versions',
    columns: `
  workflow_id BIGINT NOT NULL,
  version INT NOT NULL,
  workflow_definition TEXT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW},
  PRIMARY KEY (workflow_id, version),
  CONSTRAINT fk_workflow_versions_workflow FOREIGN KEY (workflow_id) REFERENCES crawling_workflows (id) ON DELETE CASCADE ON UPDATE NO ACTION`,
  },
  {
    name: 'crawling_schedules',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  workflow_id BIGINT NOT NULL,
  target_id BIGINT NULL,
  schedule_type TEXT NOT NULL DEFAULT 'FIXED' ${oneOf('schedule_type', ['FIXED', 'DYNAMIC', 'MANUAL'])},
  cron_expression VARCHAR(100) NULL,
  timezone VARCHAR(64) NOT NULL DEFAULT 'UTC',
  is_active BOOLEAN NOT NULL DEFAULT 1,
  priority INT NOT NULL DEFAULT 5,
  next_run_at TIMESTAMP NULL,
  last_run_at TIMESTAMP NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW},
  updated_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW},
  deleted_at TIMESTAMP NULL,
  missed_run_policy TEXT NOT NULL DEFAULT 'SKIP' ${oneOf('missed_run_policy', ['SKIP', 'RUN_ONCE'])},
  catch_up_window_seconds INT NULL,
  overlap_policy TEXT NOT NULL DEFAULT 'SKIP' ${oneOf('overlap_policy', ['SKIP', 'QUEUE', 'ALLOW'])},
  interval_seconds INT NULL,
  min_interval_seconds INT NOT NULL DEFAULT 60,
  max_interval_seconds INT NOT NULL DEFAULT 31536000,
  inc_rate DOUBLE NOT NULL DEFAULT 0.4,
  dec_rate DOUBLE NOT NULL DEFAULT 0.2,
  CONSTRAINT fk_schedules_workflow FOREIGN KEY (workflow_id) REFERENCES crawling_workflows (id) ON DELETE CASCADE ON UPDATE NO ACTION,
  CONSTRAINT fk_schedules_target FOREIGN KEY (target_id) REFERENCES crawl_targets (id) ON DELETE CASCADE ON UPDATE NO ACTION`,
    indexes: [
      'CREATE INDEX idx_schedules_due ON crawling_schedules (is_active, next_run_at)',
      'CREATE INDEX idx_schedules_workflow ON crawling_schedules (workflow_id)',
      'CREATE INDEX idx_schedules_target ON crawling_schedules (target_id)',
      'CREATE INDEX idx_schedules_claim ON crawling_schedules (is_active, deleted_at, next_run_at, priority)',
      'CREATE INDEX idx_schedules_type ON crawling_schedules (schedule_type, deleted_at)',
    ],
  },
  {
    name: 'schedule_decisions',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  schedule_id BIGINT NOT NULL,
  due_at TIMESTAMP NULL,
  decision TEXT NOT NULL ${oneOf('decision', ['FIRED', 'SKIPPED_OVERLAP', 'MISSED', 'MANUAL_FIRED'])},
  job_id BIGINT NULL,
  reason VARCHAR(500) NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  CONSTRAINT fk_schedule_decisions_schedule FOREIGN KEY (schedule_id) REFERENCES crawling_schedules (id) ON DELETE CASCADE ON UPDATE NO ACTION`,
    indexes: ['CREATE INDEX idx_schedule_decisions_schedule ON schedule_decisions (schedule_id, id)'],
  },
  {
    name: 'schedule_interval_history',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  schedule_id BIGINT NOT NULL,
  job_id BIGINT NOT NULL,
  job_status VARCHAR(20) NOT NULL,
  changed_items INT NOT NULL DEFAULT 0,
  old_interval_seconds INT NOT NULL,
  new_interval_seconds INT NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  CONSTRAINT fk_interval_history_schedule FOREIGN KEY (schedule_id) REFERENCES crawling_schedules (id) ON DELETE CASCADE ON UPDATE NO ACTION`,
    indexes: [
      'CREATE UNIQUE INDEX uq_interval_history_job ON schedule_interval_history (job_id)',
      'CREATE INDEX idx_interval_history_schedule ON schedule_interval_history (schedule_id, id)',
    ],
  },
  {
    name: 'crawling_jobs',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,${JOB_COLUMNS},
  CONSTRAINT fk_jobs_schedule FOREIGN KEY (schedule_id) REFERENCES crawling_schedules (id) ON DELETE SET NULL ON UPDATE NO ACTION,
  CONSTRAINT fk_jobs_workflow FOREIGN KEY (workflow_id) REFERENCES crawling_workflows (id) ON DELETE RESTRICT ON UPDATE NO ACTION,
  CONSTRAINT fk_jobs_target FOREIGN KEY (target_id) REFERENCES crawl_targets (id) ON DELETE SET NULL ON UPDATE NO ACTION`,
    indexes: [
      'CREATE UNIQUE INDEX uq_jobs_schedule_run ON crawling_jobs (schedule_id, scheduled_at)',
      'CREATE UNIQUE INDEX uq_jobs_idempotency_key ON crawling_jobs (idempotency_key)',
      'CREATE INDEX idx_jobs_status ON crawling_jobs (status)',
      'CREATE INDEX idx_jobs_workflow_created ON crawling_jobs (workflow_id, created_at)',
      'CREATE INDEX idx_jobs_created ON crawling_jobs (created_at)',
      'CREATE INDEX idx_jobs_target ON crawling_jobs (target_id)',
    ],
  },
  {
    name: 'crawling_jobs_archive',
    columns: `
  id BIGINT NOT NULL PRIMARY KEY,${JOB_COLUMNS},
  archived_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW}`,
    indexes: [
      'CREATE INDEX idx_jobs_archive_workflow_created ON crawling_jobs_archive (workflow_id, created_at)',
      'CREATE INDEX idx_jobs_archive_completed ON crawling_jobs_archive (completed_at)',
      'CREATE INDEX idx_jobs_archive_idempotency_key ON crawling_jobs_archive (idempotency_key)',
    ],
  },
  {
    name: 'crawling_tasks',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,${TASK_COLUMNS},
  CONSTRAINT fk_tasks_job FOREIGN KEY (job_id) REFERENCES crawling_jobs (id) ON DELETE CASCADE ON UPDATE NO ACTION,
  CONSTRAINT fk_tasks_step FOREIGN KEY (step_id) REFERENCES workflow_steps (id) ON DELETE SET NULL ON UPDATE NO ACTION`,
    indexes: [
      'CREATE UNIQUE INDEX uq_tasks_job_sequence ON crawling_tasks (job_id, sequence_number)',
      'CREATE INDEX idx_tasks_job_status ON crawling_tasks (job_id, status)',
      'CREATE INDEX idx_tasks_retry ON crawling_tasks (status, retry_count)',
      'CREATE INDEX idx_tasks_step ON crawling_tasks (step_id)',
    ],
  },
  {
    name: 'crawling_tasks_archive',
    columns: `
  id BIGINT NOT NULL PRIMARY KEY,${TASK_COLUMNS},
  archived_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW}`,
    indexes: ['CREATE INDEX idx_tasks_archive_job ON crawling_tasks_archive (job_id, sequence_number)'],
  },
  {
    // No foreign keys, as in MySQL (where the partitioning forbids them). created_at has whole
    // seconds there (it is the partitioning column), hence its default.
    name: 'crawling_queues',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  queue_type TEXT NOT NULL DEFAULT 'NORMAL' ${oneOf('queue_type', ['HIGH_PRIORITY', 'NORMAL', 'LOW_PRIORITY'])},
  stage TEXT NOT NULL ${oneOf('stage', ['FETCH', 'PARSE', 'STORE'])},
  job_id BIGINT NULL,
  task_id BIGINT NULL,
  priority INT NOT NULL DEFAULT 5,
  status TEXT NOT NULL DEFAULT 'WAITING' ${oneOf('status', ['WAITING', 'PROCESSING', 'COMPLETED', 'FAILED'])},
  scheduled_for TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  attempt_count INT NOT NULL DEFAULT 0,
  quarantine_starts INT NOT NULL DEFAULT 0,
  lease_expiries INT NOT NULL DEFAULT 0,
  payload TEXT NULL,
  dispatched_at TIMESTAMP NULL,
  lease_until TIMESTAMP NULL,
  last_error TEXT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${SECONDS_NOW},
  updated_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW}`,
    indexes: [
      'CREATE INDEX idx_queues_claim ON crawling_queues (status, queue_type, priority DESC, created_at, scheduled_for)',
      'CREATE INDEX idx_queues_task ON crawling_queues (task_id)',
      'CREATE INDEX idx_queues_job_status ON crawling_queues (job_id, status, scheduled_for)',
    ],
  },
  {
    name: 'workflow_executions',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,${EXECUTION_COLUMNS},
  CONSTRAINT fk_executions_workflow FOREIGN KEY (workflow_id) REFERENCES crawling_workflows (id) ON DELETE RESTRICT ON UPDATE NO ACTION,
  CONSTRAINT fk_executions_job FOREIGN KEY (job_id) REFERENCES crawling_jobs (id) ON DELETE CASCADE ON UPDATE NO ACTION`,
    indexes: [
      'CREATE INDEX idx_executions_job ON workflow_executions (job_id)',
      'CREATE INDEX idx_executions_workflow_status ON workflow_executions (workflow_id, status)',
    ],
  },
  {
    name: 'workflow_executions_archive',
    columns: `
  id BIGINT NOT NULL PRIMARY KEY,${EXECUTION_COLUMNS},
  archived_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW}`,
    indexes: ['CREATE INDEX idx_executions_archive_job ON workflow_executions_archive (job_id)'],
  },
  {
    name: 'job_dependencies',
    columns: `
  job_id BIGINT NOT NULL,
  depends_on_job_id BIGINT NOT NULL,
  dependency_type TEXT NOT NULL DEFAULT 'SUCCESS' ${oneOf('dependency_type', ['FINISH', 'SUCCESS'])},
  PRIMARY KEY (job_id, depends_on_job_id),
  CONSTRAINT fk_job_dependencies_job FOREIGN KEY (job_id) REFERENCES crawling_jobs (id) ON DELETE CASCADE ON UPDATE NO ACTION,
  CONSTRAINT fk_job_dependencies_depends_on FOREIGN KEY (depends_on_job_id) REFERENCES crawling_jobs (id) ON DELETE CASCADE ON UPDATE NO ACTION`,
    indexes: ['CREATE INDEX idx_job_dependencies_depends_on ON job_dependencies (depends_on_job_id)'],
  },
  {
    name: 'target_workflow_mappings',
    columns: `
  target_type_id BIGINT NOT NULL,
  workflow_id BIGINT NOT NULL,
  condition_expression TEXT NULL,
  priority INT NULL,
  PRIMARY KEY (target_type_id, workflow_id),
  CONSTRAINT fk_mappings_target_type FOREIGN KEY (target_type_id) REFERENCES target_types (id) ON DELETE CASCADE ON UPDATE NO ACTION,
  CONSTRAINT fk_mappings_workflow FOREIGN KEY (workflow_id) REFERENCES crawling_workflows (id) ON DELETE CASCADE ON UPDATE NO ACTION`,
    indexes: ['CREATE INDEX idx_mappings_workflow ON target_workflow_mappings (workflow_id)'],
  },
  {
    name: 'parallel_execution_config',
    columns: `
  workflow_id BIGINT NOT NULL PRIMARY KEY,
  max_parallel_jobs INT NULL DEFAULT 5,
  max_parallel_tasks INT NULL DEFAULT 10,
  resource_pool VARCHAR(50) NULL COLLATE NOCASE,
  CONSTRAINT fk_parallel_config_workflow FOREIGN KEY (workflow_id) REFERENCES crawling_workflows (id) ON DELETE CASCADE ON UPDATE NO ACTION`,
  },
  {
    // job_id has no foreign key: the item keeps naming its job after the job is archived.
    name: 'crawled_items',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  workflow_id BIGINT NOT NULL,
  job_id BIGINT NOT NULL,
  item_key VARCHAR(255) NOT NULL COLLATE RTRIM,
  data JSON NOT NULL CHECK (json_valid(data)),
  content_hash CHAR(64) NOT NULL,
  first_seen_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  last_seen_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  changed_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  fetched_at TIMESTAMP NULL,
  CONSTRAINT fk_items_workflow FOREIGN KEY (workflow_id) REFERENCES crawling_workflows (id) ON DELETE CASCADE ON UPDATE NO ACTION`,
    indexes: [
      'CREATE UNIQUE INDEX uq_items_workflow_key ON crawled_items (workflow_id, item_key)',
      'CREATE INDEX idx_items_job ON crawled_items (job_id)',
    ],
  },
  {
    name: 'crawl_pages',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  job_id BIGINT NOT NULL,
  task_id BIGINT NOT NULL,
  url VARCHAR(2000) NOT NULL,
  status INT NOT NULL,
  content_type VARCHAR(200) NULL,
  body_gzip BLOB NOT NULL,
  body_bytes INT NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW}`,
    indexes: [
      'CREATE UNIQUE INDEX uq_pages_task ON crawl_pages (task_id)',
      'CREATE INDEX idx_pages_job ON crawl_pages (job_id)',
    ],
  },
  {
    name: 'url_validators',
    columns: `
  workflow_id BIGINT NOT NULL,
  url_hash CHAR(64) NOT NULL,
  url VARCHAR(2000) NOT NULL,
  etag VARCHAR(500) NULL,
  last_modified VARCHAR(100) NULL,
  updated_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  records_gzip BLOB NULL,
  records_count INT NULL,
  records_version INT NULL,
  PRIMARY KEY (workflow_id, url_hash)`,
  },
  {
    name: 'crawl_frontier',
    columns: `
  job_id BIGINT NOT NULL,
  url_hash CHAR(64) NOT NULL,
  url VARCHAR(2000) NOT NULL,
  depth INT NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  PRIMARY KEY (job_id, url_hash)`,
  },
  {
    name: 'outbox_events',
    columns: `
  id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  exchange VARCHAR(100) NOT NULL,
  routing_key VARCHAR(100) NOT NULL,
  body TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  published_at TIMESTAMP NULL`,
    indexes: ['CREATE INDEX idx_outbox_unpublished ON outbox_events (published_at, id)'],
  },
  {
    name: 'resource_pools',
    columns: `
  name VARCHAR(50) NOT NULL COLLATE NOCASE PRIMARY KEY,
  slots INT NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  updated_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW}`,
  },
  {
    name: 'task_data',
    columns: `
  task_id BIGINT NOT NULL,
  kind TEXT NOT NULL ${oneOf('kind', ['PAYLOAD', 'OUTPUT'])},
  job_id BIGINT NOT NULL,
  body_gzip BLOB NOT NULL,
  body_bytes INT NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT ${MS_NOW},
  PRIMARY KEY (task_id, kind)`,
    indexes: ['CREATE INDEX idx_task_data_job ON task_data (job_id)'],
  },
];

/**
 * The original design's view in SQLite's built-in functions only, so that any SQLite client can
 * read it (the functions the compatibility layer registers exist only in our process):
 * - TIMESTAMPDIFF(SECOND, a, b) is the difference truncated to whole seconds: whole milliseconds
 *   from julianday() (rounded, to shed floating-point noise), then integer division;
 * - NOW() - INTERVAL 7 DAY is datetime('now', '-7 days'), UTC like the stored text, which it
 *   compares with as text (whole seconds, as NOW() has).
 */
const JOB_STATISTICS_VIEW = `CREATE VIEW v_job_statistics AS
SELECT
    date(created_at) AS job_date,
    workflow_id,
    COUNT(*) AS total_jobs,
    SUM(CASE WHEN status = 'SUCCESS' THEN 1 ELSE 0 END) AS success_jobs,
    AVG((CAST(round(julianday(completed_at) * 86400000) AS INTEGER)
        - CAST(round(julianday(started_at) * 86400000) AS INTEGER)) / 1000) AS avg_duration_sec,
    SUM(processed_items) AS total_items_processed
FROM crawling_jobs
WHERE created_at >= datetime('now', '-7 days')
GROUP BY date(created_at), workflow_id`;

export class SqliteSchema1764892800001 implements MigrationInterface {
  name = 'SqliteSchema1764892800001';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await queryRunner.query(`CREATE TABLE ${table.name} (${table.columns}\n)`);
      for (const index of table.indexes ?? []) await queryRunner.query(index);
    }
    await queryRunner.query(JOB_STATISTICS_VIEW);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP VIEW IF EXISTS v_job_statistics');
    // Children before parents: with foreign keys on, dropping a parent first would check its rows.
    for (const table of [...TABLES].reverse()) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table.name}`);
    }
  }
}
