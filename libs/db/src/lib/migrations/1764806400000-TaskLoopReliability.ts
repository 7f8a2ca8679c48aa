import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

/**
 * What the task loop needs to never lose or truncate work:
 * - task_data: task inputs and outputs that do not fit their TEXT column (65,535 bytes), gzip in a
 *   LONGBLOB, one per task and kind; the column keeps a stub naming it. No foreign key: archived
 *   tasks keep theirs.
 * - url_validators.records_gzip / records_count / records_version: the records a list page yielded
 *   when it was last parsed (and by which workflow version), so an unchanged list page (304) still
 *   leads to conditional requests for its detail pages, and stops a pagination where it stopped.
 * - crawling_queues.quarantine_starts: runs of a redelivered message alone on a worker that gave no
 *   result, so a task that kills or hangs its workers fails instead of crashing them for ever.
 * - crawled_items.fetched_at: when (database time) the page behind the stored data was fetched, so a
 *   STORE of records from an older fetch never overwrites newer data.
 */
export class TaskLoopReliability1764806400000 implements MigrationInterface {
  name = 'TaskLoopReliability1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`task_data\` (
      \`task_id\` bigint NOT NULL,
      \`kind\` enum ('PAYLOAD', 'OUTPUT') NOT NULL,
      \`job_id\` bigint NOT NULL,
      \`body_gzip\` longblob NOT NULL,
      \`body_bytes\` int NOT NULL,
      \`created_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`task_id\`, \`kind\`),
      INDEX \`idx_task_data_job\` (\`job_id\`)
    ) ${TABLE_OPTIONS}`);
    await queryRunner.query(
      'ALTER TABLE `url_validators` ADD `records_gzip` longblob NULL, ADD `records_count` int NULL, ADD `records_version` int NULL',
    );
    await queryRunner.query('ALTER TABLE `crawled_items` ADD `fetched_at` timestamp(3) NULL');
    await queryRunner.query(
      "ALTER TABLE `crawling_queues` ADD `quarantine_starts` int NOT NULL DEFAULT '0' AFTER `attempt_count`",
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `crawling_queues` DROP COLUMN `quarantine_starts`');
    await queryRunner.query('ALTER TABLE `crawled_items` DROP COLUMN `fetched_at`');
    await queryRunner.query(
      'ALTER TABLE `url_validators` DROP COLUMN `records_gzip`, DROP COLUMN `records_count`, DROP COLUMN `records_version`',
    );
    await queryRunner.query('DROP TABLE `task_data`');
  }
}
