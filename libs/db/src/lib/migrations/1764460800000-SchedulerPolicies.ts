import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

/**
 * What the scheduler needs beyond the original design (docs/data-model.md#crawling_schedules):
 * per-schedule missed-run and overlap policies, the adaptive (DYNAMIC) interval with its rates and
 * bounds, a log of every scheduling decision, and the history of interval adjustments (one row per
 * finished job, which is also the marker that the job has been adjusted for). Portable across
 * MySQL 8 and MariaDB 10.6+.
 */
export class SchedulerPolicies1764460800000 implements MigrationInterface {
  name = 'SchedulerPolicies1764460800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`crawling_schedules\`
    ADD \`missed_run_policy\` enum ('SKIP', 'RUN_ONCE') NOT NULL DEFAULT 'SKIP',
    ADD \`catch_up_window_seconds\` int NULL,
    ADD \`overlap_policy\` enum ('SKIP', 'QUEUE', 'ALLOW') NOT NULL DEFAULT 'SKIP',
    ADD \`interval_seconds\` int NULL,
    ADD \`min_interval_seconds\` int NOT NULL DEFAULT '60',
    ADD \`max_interval_seconds\` int NOT NULL DEFAULT '31536000',
    ADD \`inc_rate\` double NOT NULL DEFAULT '0.4',
    ADD \`dec_rate\` double NOT NULL DEFAULT '0.2',
    ADD INDEX \`idx_schedules_claim\` (\`is_active\`, \`deleted_at\`, \`next_run_at\`, \`priority\`),
    ADD INDEX \`idx_schedules_type\` (\`schedule_type\`, \`deleted_at\`)`);

    await queryRunner.query(`CREATE TABLE \`schedule_decisions\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`schedule_id\` bigint NOT NULL,
    \`due_at\` timestamp(3) NULL,
    \`decision\` enum ('FIRED', 'SKIPPED_OVERLAP', 'MISSED', 'MANUAL_FIRED') NOT NULL,
    \`job_id\` bigint NULL,
    \`reason\` varchar(500) NULL,
    \`created_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (\`id\`),
    INDEX \`idx_schedule_decisions_schedule\` (\`schedule_id\`, \`id\`),
    CONSTRAINT \`fk_schedule_decisions_schedule\` FOREIGN KEY (\`schedule_id\`) REFERENCES \`crawling_schedules\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);

    await queryRunner.query(`CREATE TABLE \`schedule_interval_history\` (
    \`id\` bigint NOT NULL AUTO_INCREMENT,
    \`schedule_id\` bigint NOT NULL,
    \`job_id\` bigint NOT NULL,
    \`job_status\` varchar(20) NOT NULL,
    \`changed_items\` int NOT NULL DEFAULT '0',
    \`old_interval_seconds\` int NOT NULL,
    \`new_interval_seconds\` int NOT NULL,
    \`created_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (\`id\`),
    UNIQUE INDEX \`uq_interval_history_job\` (\`job_id\`),
    INDEX \`idx_interval_history_schedule\` (\`schedule_id\`, \`id\`),
    CONSTRAINT \`fk_interval_history_schedule\` FOREIGN KEY (\`schedule_id\`) REFERENCES \`crawling_schedules\` (\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
  ) ${TABLE_OPTIONS}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS `schedule_interval_history`');
    await queryRunner.query('DROP TABLE IF EXISTS `schedule_decisions`');
    await queryRunner.query(`ALTER TABLE \`crawling_schedules\`
    DROP INDEX \`idx_schedules_type\`,
    DROP INDEX \`idx_schedules_claim\`,
    DROP COLUMN \`dec_rate\`,
    DROP COLUMN \`inc_rate\`,
    DROP COLUMN \`max_interval_seconds\`,
    DROP COLUMN \`min_interval_seconds\`,
    DROP COLUMN \`interval_seconds\`,
    DROP COLUMN \`overlap_policy\`,
    DROP COLUMN \`catch_up_window_seconds\`,
    DROP COLUMN \`missed_run_policy\``);
  }
}
