import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

/**
 * Archive tables for the children that carry a job's history: when a finished job moves to
 * crawling_jobs_archive (libs/retention), its tasks and executions move with it, in the same
 * transaction. Each archive has exactly the columns of its live table, in order, plus
 * `archived_at` — a migration that adds a column to crawling_tasks or workflow_executions must add
 * it here too (the archiver refuses to run, naming the column, rather than drop its values).
 * No foreign keys and no AUTO_INCREMENT: rows keep their ids and outlive what they pointed at.
 * Portable across MySQL 8 and MariaDB 10.6+.
 */
export class JobArchive1764720000000 implements MigrationInterface {
  name = 'JobArchive1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`crawling_tasks_archive\` (
    \`id\` bigint NOT NULL,
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
    \`updated_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    \`archived_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (\`id\`),
    INDEX \`idx_tasks_archive_job\` (\`job_id\`, \`sequence_number\`)
  ) ${TABLE_OPTIONS}`);

    await queryRunner.query(`CREATE TABLE \`workflow_executions_archive\` (
    \`id\` bigint NOT NULL,
    \`workflow_id\` bigint NOT NULL,
    \`job_id\` bigint NOT NULL,
    \`current_step\` varchar(50) NULL,
    \`status\` enum ('RUNNING', 'COMPLETED', 'FAILED', 'PAUSED') NOT NULL DEFAULT 'RUNNING',
    \`context\` text NULL,
    \`step_results\` text NULL,
    \`started_at\` timestamp(3) NULL,
    \`completed_at\` timestamp(3) NULL,
    \`created_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    \`archived_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (\`id\`),
    INDEX \`idx_executions_archive_job\` (\`job_id\`)
  ) ${TABLE_OPTIONS}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS `workflow_executions_archive`');
    await queryRunner.query('DROP TABLE IF EXISTS `crawling_tasks_archive`');
  }
}
