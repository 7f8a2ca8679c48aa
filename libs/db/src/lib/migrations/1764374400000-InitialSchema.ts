import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The original design's schema plus the extra columns, tables, stand-ins and indexes the platform
 * needs (docs/data-model.md says which is which, and why). Hand-written from TypeORM's generated
 * DDL so that the entities and this file agree (schema.int-spec.ts checks it), with two things
 * TypeORM cannot say: the partitioned crawling_queues table and the v_job_statistics view.
 *
 * Portable across MySQL 8 and MariaDB 10.6+: no MariaDB-only syntax. Every table is InnoDB utf8mb4.
 */
const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

const DAY_MS = 86_400_000;

/** `p<YYYYMMDD>` holding the UTC day that starts at `dayStartMs`. */
function dailyPartition(dayStartMs: number): string {
  const name = `p${new Date(dayStartMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
  // The bound is a literal epoch second: UNIX_TIMESTAMP('…') would read the session's time zone.
  return `PARTITION \`${name}\` VALUES LESS THAN (${(dayStartMs + DAY_MS) / 1000})`;
}

/**
 * crawling_queues, partitioned by UTC day of created_at: today, tomorrow and p_future (later days
 * are split off p_future by partition maintenance, and old days dropped whole).
 * - Partitioned tables take no foreign keys, so job_id and task_id are plain indexed columns.
 * - Every unique key must contain the partitioning column: PRIMARY KEY (id, created_at).
 * - A TIMESTAMP column may be partitioned only through UNIX_TIMESTAMP(), which MySQL 8 refuses on a
 *   TIMESTAMP(3) (it types the result DECIMAL). created_at is therefore a plain TIMESTAMP (whole
 *   seconds), and the bare UNIX_TIMESTAMP() keeps partition pruning: a lookup by id that also names
 *   a created_at range (the ledger's messages carry it) reads one partition instead of all of them.
 */
function createQueuesTable(nowMs: number): string {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return `CREATE TABLE \`crawling_queues\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`queue_type\` enum ('HIGH_PRIORITY', 'NORMAL', 'LOW_PRIORITY') NOT NULL DEFAULT 'NORMAL',
    \`stage\` enum ('FETCH', 'PARSE', 'STORE') NOT NULL,
    \`job_id\` bigint NULL,
    \`task_id\` bigint NULL,
    \`priority\` int NOT NULL DEFAULT '5',
    \`status\` enum ('WAITING', 'PROCESSING', 'COMPLETED', 'FAILED') NOT NULL DEFAULT 'WAITING',
    \`scheduled_for\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    \`attempt_count\` int NOT NULL DEFAULT '0',
    \`payload\` text NULL,
    \`dispatched_at\` timestamp(3) NULL,
    \`lease_until\` timestamp(3) NULL,
    \`last_error\` text NULL,
    \`created_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    \`updated_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (\`id\`, \`created_at\`),
    INDEX \`idx_queues_claim\` (\`status\`, \`queue_type\`, \`priority\` DESC, \`created_at\`, \`scheduled_for\`),
    INDEX \`idx_queues_task\` (\`task_id\`),
    INDEX \`idx_queues_job_status\` (\`job_id\`, \`status\`, \`scheduled_for\`)
  ) ${TABLE_OPTIONS}
  PARTITION BY RANGE (UNIX_TIMESTAMP(\`created_at\`)) (
    ${dailyPartition(today)},
    ${dailyPartition(today + DAY_MS)},
    PARTITION \`p_future\` VALUES LESS THAN MAXVALUE
  )`;
}

/** crawling_jobs and its archive share these columns, in this order (after id). */
const JOB_COLUMNS = `
    \`schedule_id\` bigint NULL,
    \`workflow_id\` bigint NOT NULL,
    \`workflow_version\` int NOT NULL DEFAULT '1',
    \`target_id\` bigint NULL,
    \`job_type\` enum ('FULL', 'INCREMENTAL', 'RETRY') NOT NULL DEFAULT 'FULL',
    \`status\` enum ('PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED') NOT NULL DEFAULT 'PENDING',
    \`priority\` int NOT NULL DEFAULT '5',
    \`params\` text NULL,
    \`idempotency_key\` varchar(200) NULL,
    \`scheduled_at\` timestamp(3) NULL,
    \`started_at\` timestamp(3) NULL,
    \`completed_at\` timestamp(3) NULL,
    \`total_items\` int NOT NULL DEFAULT '0',
    \`processed_items\` int NOT NULL DEFAULT '0',
    \`success_count\` int NOT NULL DEFAULT '0',
    \`failed_count\` int NOT NULL DEFAULT '0',
    \`error_summary\` text NULL,
    \`created_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    \`updated_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),`;

/** The original design's view, verbatim (docs/data-model.md#v_job_statistics). */
const JOB_STATISTICS_VIEW = `CREATE VIEW v_job_statistics AS
SELECT 
    DATE(created_at) as job_date,
    workflow_id,
    COUNT(*) as total_jobs,
    SUM(CASE WHEN status = 'SUCCESS' THEN 1 ELSE 0 END) as success_jobs,
    AVG(TIMESTAMPDIFF(SECOND, started_at, completed_at)) as avg_duration_sec,
    SUM(processed_items) as total_items_processed
FROM crawling_jobs
WHERE created_at >= DATE_SUB(NOW(), INTERVAL 7 DAY)
GROUP BY DATE(created_at), workflow_id`;

/** Children before parents, for down(). */
const TABLES_IN_DROP_ORDER = [
  'crawled_items',
  'parallel_execution_config',
  'target_workflow_mappings',
  'job_dependencies',
  'workflow_executions',
  'crawling_queues',
  'crawling_tasks',
  'crawling_jobs_archive',
  'crawling_jobs',
  'crawling_schedules',
  'workflow_steps',
  'crawling_workflows',
  'crawl_targets',
  'target_types',
  'crawl_sources',
];

export class InitialSchema1764374400000 implements MigrationInterface {
  name = 'InitialSchema1764374400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Stand-ins for the target domain.
    await queryRunner.query(`CREATE TABLE \`crawl_sources\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`name\` varchar(100) NOT NULL,
    \`base_url\` varchar(1000) NOT NULL,
    \`created_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    \`updated_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (\`id\`),
    UNIQUE INDEX \`uq_sources_name\` (\`name\`)
  ) ${TABLE_OPTIONS}`);

    await queryRunner.query(`CREATE TABLE \`target_types\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`code\` varchar(50) NOT NULL,
    \`name\` varchar(100) NOT NULL,
    \`created_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (\`id\`),
    UNIQUE INDEX \`uq_target_types_code\` (\`code\`)
  ) ${TABLE_OPTIONS}`);

    // A source or type still used by targets cannot be deleted (RESTRICT).
    await queryRunner.query(`CREATE TABLE \`crawl_targets\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`source_id\` bigint NOT NULL,
    \`target_type_id\` bigint NULL,
    \`url\` varchar(1000) NOT NULL,
    \`name\` varchar(255) NULL,
    \`attributes\` json NULL,
    \`created_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    \`updated_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (\`id\`),
    INDEX \`idx_targets_source\` (\`source_id\`),
    INDEX \`idx_targets_type\` (\`target_type_id\`),
    CONSTRAINT \`fk_targets_source\` FOREIGN KEY (\`source_id\`) REFERENCES \`crawl_sources\` (\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION,
    CONSTRAINT \`fk_targets_type\` FOREIGN KEY (\`target_type_id\`) REFERENCES \`target_types\` (\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    // The original design's tables. Deleting a source never takes its workflows along (RESTRICT).
    await queryRunner.query(`CREATE TABLE \`crawling_workflows\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`source_id\` bigint NULL,
    \`workflow_name\` varchar(100) NOT NULL,
    \`workflow_type\` enum ('FULL_SCAN', 'INCREMENTAL', 'TARGETED') NOT NULL,
    \`workflow_definition\` text NULL,
    \`is_active\` tinyint NOT NULL DEFAULT 1,
    \`version\` int NOT NULL DEFAULT '1',
    \`created_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    \`updated_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (\`id\`),
    INDEX \`idx_workflows_source\` (\`source_id\`),
    INDEX \`idx_workflows_name\` (\`workflow_name\`),
    CONSTRAINT \`fk_workflows_source\` FOREIGN KEY (\`source_id\`) REFERENCES \`crawl_sources\` (\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    // Steps are part of their workflow (CASCADE); a removed target type only unsets the filter.
    await queryRunner.query(`CREATE TABLE \`workflow_steps\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`workflow_id\` bigint NOT NULL,
    \`step_order\` int NOT NULL,
    \`step_name\` varchar(100) NOT NULL,
    \`step_type\` enum ('FETCH', 'PARSE', 'TRANSFORM', 'VALIDATE', 'STORE') NOT NULL,
    \`target_type_id\` bigint NULL,
    \`input_mapping\` text NULL,
    \`output_mapping\` text NULL,
    \`error_handling\` enum ('RETRY', 'SKIP', 'FAIL') NOT NULL DEFAULT 'RETRY',
    \`max_retries\` int NOT NULL DEFAULT '3',
    \`created_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (\`id\`),
    INDEX \`idx_steps_workflow_order\` (\`workflow_id\`, \`step_order\`),
    INDEX \`idx_steps_target_type\` (\`target_type_id\`),
    CONSTRAINT \`fk_steps_workflow\` FOREIGN KEY (\`workflow_id\`) REFERENCES \`crawling_workflows\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT \`fk_steps_target_type\` FOREIGN KEY (\`target_type_id\`) REFERENCES \`target_types\` (\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    // A schedule goes with its workflow and with its target: it has nothing left to run.
    await queryRunner.query(`CREATE TABLE \`crawling_schedules\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`workflow_id\` bigint NOT NULL,
    \`target_id\` bigint NULL,
    \`schedule_type\` enum ('FIXED', 'DYNAMIC', 'MANUAL') NOT NULL DEFAULT 'FIXED',
    \`cron_expression\` varchar(100) NULL,
    \`timezone\` varchar(64) NOT NULL DEFAULT 'UTC',
    \`is_active\` tinyint NOT NULL DEFAULT 1,
    \`priority\` int NOT NULL DEFAULT '5',
    \`next_run_at\` timestamp NULL,
    \`last_run_at\` timestamp NULL,
    \`created_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    \`updated_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    \`deleted_at\` timestamp NULL,
    PRIMARY KEY (\`id\`),
    INDEX \`idx_schedules_due\` (\`is_active\`, \`next_run_at\`),
    INDEX \`idx_schedules_workflow\` (\`workflow_id\`),
    INDEX \`idx_schedules_target\` (\`target_id\`),
    CONSTRAINT \`fk_schedules_workflow\` FOREIGN KEY (\`workflow_id\`) REFERENCES \`crawling_workflows\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT \`fk_schedules_target\` FOREIGN KEY (\`target_id\`) REFERENCES \`crawl_targets\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    // Job history outlives its schedule and target (SET NULL); a workflow with live jobs cannot be
    // deleted (RESTRICT: deactivate it, or archive the jobs first).
    await queryRunner.query(`CREATE TABLE \`crawling_jobs\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,${JOB_COLUMNS}
    PRIMARY KEY (\`id\`),
    UNIQUE INDEX \`uq_jobs_schedule_run\` (\`schedule_id\`, \`scheduled_at\`),
    UNIQUE INDEX \`uq_jobs_idempotency_key\` (\`idempotency_key\`),
    INDEX \`idx_jobs_status\` (\`status\`),
    INDEX \`idx_jobs_workflow_created\` (\`workflow_id\`, \`created_at\`),
    INDEX \`idx_jobs_created\` (\`created_at\`),
    INDEX \`idx_jobs_target\` (\`target_id\`),
    CONSTRAINT \`fk_jobs_schedule\` FOREIGN KEY (\`schedule_id\`) REFERENCES \`crawling_schedules\` (\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION,
    CONSTRAINT \`fk_jobs_workflow\` FOREIGN KEY (\`workflow_id\`) REFERENCES \`crawling_workflows\` (\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION,
    CONSTRAINT \`fk_jobs_target\` FOREIGN KEY (\`target_id\`) REFERENCES \`crawl_targets\` (\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    // No foreign keys: archived jobs keep their ids and outlive what they pointed at.
    await queryRunner.query(`CREATE TABLE \`crawling_jobs_archive\` (
    \`id\` bigint NOT NULL,${JOB_COLUMNS}
    \`archived_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (\`id\`),
    INDEX \`idx_jobs_archive_workflow_created\` (\`workflow_id\`, \`created_at\`),
    INDEX \`idx_jobs_archive_completed\` (\`completed_at\`),
    INDEX \`idx_jobs_archive_idempotency_key\` (\`idempotency_key\`)
  ) ${TABLE_OPTIONS}`);

    // Tasks are part of their job (CASCADE); replacing steps keeps the tasks that ran (SET NULL).
    // idx_tasks_retry is the original design's partial index made plain: MySQL has no partial indexes.
    await queryRunner.query(`CREATE TABLE \`crawling_tasks\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`job_id\` bigint NOT NULL,
    \`step_id\` bigint NULL,
    \`step_order\` int NULL,
    \`target_url\` varchar(1000) NULL,
    \`task_type\` enum ('FETCH', 'PARSE', 'STORE') NOT NULL,
    \`status\` enum ('PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'RETRYING') NOT NULL DEFAULT 'PENDING',
    \`retry_count\` int NOT NULL DEFAULT '0',
    \`sequence_number\` int NOT NULL DEFAULT '0',
    \`input_data\` text NULL,
    \`output_data\` text NULL,
    \`started_at\` timestamp(3) NULL,
    \`completed_at\` timestamp(3) NULL,
    \`response_time_ms\` int NULL,
    \`error_message\` text NULL,
    \`created_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    \`updated_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (\`id\`),
    INDEX \`idx_tasks_job_status\` (\`job_id\`, \`status\`),
    INDEX \`idx_tasks_retry\` (\`status\`, \`retry_count\`),
    INDEX \`idx_tasks_step\` (\`step_id\`),
    UNIQUE INDEX \`uq_tasks_job_sequence\` (\`job_id\`, \`sequence_number\`),
    CONSTRAINT \`fk_tasks_job\` FOREIGN KEY (\`job_id\`) REFERENCES \`crawling_jobs\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT \`fk_tasks_step\` FOREIGN KEY (\`step_id\`) REFERENCES \`workflow_steps\` (\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    await queryRunner.query(createQueuesTable(Date.now()));

    // An execution tracks its job (CASCADE); its workflow is protected as for jobs (RESTRICT).
    await queryRunner.query(`CREATE TABLE \`workflow_executions\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`workflow_id\` bigint NOT NULL,
    \`job_id\` bigint NOT NULL,
    \`current_step\` varchar(50) NULL,
    \`status\` enum ('RUNNING', 'COMPLETED', 'FAILED', 'PAUSED') NOT NULL DEFAULT 'RUNNING',
    \`context\` text NULL,
    \`step_results\` text NULL,
    \`started_at\` timestamp(3) NULL,
    \`completed_at\` timestamp(3) NULL,
    \`created_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (\`id\`),
    INDEX \`idx_executions_job\` (\`job_id\`),
    INDEX \`idx_executions_workflow_status\` (\`workflow_id\`, \`status\`),
    CONSTRAINT \`fk_executions_workflow\` FOREIGN KEY (\`workflow_id\`) REFERENCES \`crawling_workflows\` (\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION,
    CONSTRAINT \`fk_executions_job\` FOREIGN KEY (\`job_id\`) REFERENCES \`crawling_jobs\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    // The original design's advanced tables. An edge or a mapping means nothing without both ends (CASCADE).
    await queryRunner.query(`CREATE TABLE \`job_dependencies\` (
    \`job_id\` bigint NOT NULL,
    \`depends_on_job_id\` bigint NOT NULL,
    \`dependency_type\` enum ('FINISH', 'SUCCESS') NOT NULL DEFAULT 'SUCCESS',
    PRIMARY KEY (\`job_id\`, \`depends_on_job_id\`),
    INDEX \`idx_job_dependencies_depends_on\` (\`depends_on_job_id\`),
    CONSTRAINT \`fk_job_dependencies_job\` FOREIGN KEY (\`job_id\`) REFERENCES \`crawling_jobs\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT \`fk_job_dependencies_depends_on\` FOREIGN KEY (\`depends_on_job_id\`) REFERENCES \`crawling_jobs\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    await queryRunner.query(`CREATE TABLE \`target_workflow_mappings\` (
    \`target_type_id\` bigint NOT NULL,
    \`workflow_id\` bigint NOT NULL,
    \`condition_expression\` text NULL,
    \`priority\` int NULL,
    PRIMARY KEY (\`target_type_id\`, \`workflow_id\`),
    INDEX \`idx_mappings_workflow\` (\`workflow_id\`),
    CONSTRAINT \`fk_mappings_target_type\` FOREIGN KEY (\`target_type_id\`) REFERENCES \`target_types\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT \`fk_mappings_workflow\` FOREIGN KEY (\`workflow_id\`) REFERENCES \`crawling_workflows\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    await queryRunner.query(`CREATE TABLE \`parallel_execution_config\` (
    \`workflow_id\` bigint NOT NULL,
    \`max_parallel_jobs\` int NULL DEFAULT '5',
    \`max_parallel_tasks\` int NULL DEFAULT '10',
    \`resource_pool\` varchar(50) NULL,
    PRIMARY KEY (\`workflow_id\`),
    CONSTRAINT \`fk_parallel_config_workflow\` FOREIGN KEY (\`workflow_id\`) REFERENCES \`crawling_workflows\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    // Stored results. Items go with their workflow (CASCADE); job_id has no foreign key because
    // jobs move to crawling_jobs_archive and the item must keep naming the job that wrote it.
    // MariaDB stores json as LONGTEXT with a json_valid() check; MySQL 8 as native JSON.
    await queryRunner.query(`CREATE TABLE \`crawled_items\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`workflow_id\` bigint NOT NULL,
    \`job_id\` bigint NOT NULL,
    \`item_key\` varchar(255) COLLATE utf8mb4_bin NOT NULL,
    \`data\` json NOT NULL,
    \`content_hash\` char(64) NOT NULL,
    \`first_seen_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    \`last_seen_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    \`changed_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (\`id\`),
    UNIQUE INDEX \`uq_items_workflow_key\` (\`workflow_id\`, \`item_key\`),
    INDEX \`idx_items_job\` (\`job_id\`),
    CONSTRAINT \`fk_items_workflow\` FOREIGN KEY (\`workflow_id\`) REFERENCES \`crawling_workflows\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    await queryRunner.query(JOB_STATISTICS_VIEW);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP VIEW IF EXISTS `v_job_statistics`');
    for (const table of TABLES_IN_DROP_ORDER) {
      await queryRunner.query(`DROP TABLE IF EXISTS \`${table}\``);
    }
  }
}
