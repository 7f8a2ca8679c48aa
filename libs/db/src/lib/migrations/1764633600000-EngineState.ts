import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

/**
 * What the workflow engine keeps beside the original design's tables (docs/data-model.md#engine-state):
 * - crawl_pages: fetched bodies (gzip) that PARSE tasks read by reference, so pages never pass
 *   through the ledger's TEXT payloads (docs/adr/0005-page-bodies-by-reference.md); one per FETCH
 *   task, so a second delivery of a fetch whose result is not applied yet reuses the page;
 * - url_validators: the last ETag / Last-Modified per workflow and URL, for INCREMENTAL jobs;
 * - crawl_frontier: the URLs a site crawl has seen, unique per job (each fetched at most once);
 * - outbox_events: job events written in the transaction that decided them, relayed to crawl.events;
 * - resource_pools: named slot counts shared by the workflows whose parallel_execution_config names
 *   the pool.
 */
export class EngineState1764633600000 implements MigrationInterface {
  name = 'EngineState1764633600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`crawl_pages\` (
      \`id\` bigint NOT NULL AUTO_INCREMENT,
      \`job_id\` bigint NOT NULL,
      \`task_id\` bigint NOT NULL,
      \`url\` varchar(2000) NOT NULL,
      \`status\` int NOT NULL,
      \`content_type\` varchar(200) NULL,
      \`body_gzip\` longblob NOT NULL,
      \`body_bytes\` int NOT NULL,
      \`created_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`id\`),
      INDEX \`idx_pages_job\` (\`job_id\`),
      UNIQUE INDEX \`uq_pages_task\` (\`task_id\`)
    ) ${TABLE_OPTIONS}`);
    await queryRunner.query(`CREATE TABLE \`url_validators\` (
      \`workflow_id\` bigint NOT NULL,
      \`url_hash\` char(64) NOT NULL,
      \`url\` varchar(2000) NOT NULL,
      \`etag\` varchar(500) NULL,
      \`last_modified\` varchar(100) NULL,
      \`updated_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`workflow_id\`, \`url_hash\`)
    ) ${TABLE_OPTIONS}`);
    await queryRunner.query(`CREATE TABLE \`crawl_frontier\` (
      \`job_id\` bigint NOT NULL,
      \`url_hash\` char(64) NOT NULL,
      \`url\` varchar(2000) NOT NULL,
      \`depth\` int NOT NULL,
      \`created_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`job_id\`, \`url_hash\`)
    ) ${TABLE_OPTIONS}`);
    await queryRunner.query(`CREATE TABLE \`outbox_events\` (
      \`id\` bigint NOT NULL AUTO_INCREMENT,
      \`exchange\` varchar(100) NOT NULL,
      \`routing_key\` varchar(100) NOT NULL,
      \`body\` text NOT NULL,
      \`created_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      \`published_at\` timestamp(3) NULL,
      PRIMARY KEY (\`id\`),
      INDEX \`idx_outbox_unpublished\` (\`published_at\`, \`id\`)
    ) ${TABLE_OPTIONS}`);
    await queryRunner.query(`CREATE TABLE \`resource_pools\` (
      \`name\` varchar(50) NOT NULL,
      \`slots\` int NOT NULL,
      \`created_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      \`updated_at\` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`name\`)
    ) ${TABLE_OPTIONS}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'resource_pools',
      'outbox_events',
      'crawl_frontier',
      'url_validators',
      'crawl_pages',
    ]) {
      await queryRunner.query(`DROP TABLE IF EXISTS \`${table}\``);
    }
  }
}
