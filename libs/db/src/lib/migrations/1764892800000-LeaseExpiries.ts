import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * crawling_queues.lease_expiries: leases of the entry that ran out since its last result. With
 * quarantine_starts it tells a task that kills or hangs every worker it reaches (it fails once its
 * dispatches are spent and it has run alone) from one whose workers were merely slow or restarted.
 */
export class LeaseExpiries1764892800000 implements MigrationInterface {
  name = 'LeaseExpiries1764892800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "ALTER TABLE `crawling_queues` ADD `lease_expiries` int NOT NULL DEFAULT '0' AFTER `quarantine_starts`",
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `crawling_queues` DROP COLUMN `lease_expiries`');
  }
}
