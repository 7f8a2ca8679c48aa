import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

/**
 * Workflow definitions become versioned: a PUT that changes the definition writes version n+1 and
 * keeps n readable, because jobs run on the version they were created with and their tasks point at
 * that version's `workflow_steps` rows (which therefore must survive the change).
 * - workflow_steps.workflow_version: which version a step row belongs to; one row per step and
 *   version (uq_steps_workflow_version_order).
 * - workflow_versions: every definition a workflow has had, by version.
 * Existing workflows get their current definition recorded as their current version.
 * Portable across MySQL 8 and MariaDB 10.6+.
 */
export class WorkflowVersions1764547200000 implements MigrationInterface {
  name = 'WorkflowVersions1764547200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE `workflow_steps` ADD COLUMN `workflow_version` int NOT NULL DEFAULT 1 AFTER `workflow_id`',
    );
    // Rows written before versions existed belong to their workflow's current version.
    await queryRunner.query(
      'UPDATE `workflow_steps` s JOIN `crawling_workflows` w ON w.`id` = s.`workflow_id` SET s.`workflow_version` = w.`version`',
    );
    await queryRunner.query(
      'ALTER TABLE `workflow_steps` ADD UNIQUE INDEX `uq_steps_workflow_version_order` (`workflow_id`, `workflow_version`, `step_order`)',
    );
    await queryRunner.query(`CREATE TABLE \`workflow_versions\` (
    \`workflow_id\` bigint NOT NULL,
    \`version\` int NOT NULL,
    \`workflow_definition\` text NULL,
    \`created_at\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (\`workflow_id\`, \`version\`),
    CONSTRAINT \`fk_workflow_versions_workflow\` FOREIGN KEY (\`workflow_id\`) REFERENCES \`crawling_workflows\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);
    await queryRunner.query(
      'INSERT INTO `workflow_versions` (`workflow_id`, `version`, `workflow_definition`, `created_at`) SELECT `id`, `version`, `workflow_definition`, `updated_at` FROM `crawling_workflows`',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS `workflow_versions`');
    // Older versions' steps cannot live in the old shape (one row per workflow and step_order).
    await queryRunner.query(
      'DELETE s FROM `workflow_steps` s JOIN `crawling_workflows` w ON w.`id` = s.`workflow_id` WHERE s.`workflow_version` <> w.`version`',
    );
    await queryRunner.query('ALTER TABLE `workflow_steps` DROP INDEX `uq_steps_workflow_version_order`');
    await queryRunner.query('ALTER TABLE `workflow_steps` DROP COLUMN `workflow_version`');
  }
}
