import type { QueryRunner } from 'typeorm';
import {
  FUTURE_PARTITION,
  isDailyPartition,
  NewPartition,
  planQueuePartitions,
  PartitionPlanSettings,
  QueuePartition,
} from './partition-plan';

/** The layout partition maintenance needs, from 1764374400000-InitialSchema. */
const EXPECTED_LAYOUT =
  'PARTITION BY RANGE (UNIX_TIMESTAMP(created_at)) with daily p<YYYYMMDD> partitions and p_future VALUES LESS THAN MAXVALUE last';

const SAFE_NAME = /^[A-Za-z0-9_]{1,64}$/;

/** DDL waits at most this long for the table's metadata lock, so it never stalls the relay behind it. */
const DDL_LOCK_WAIT_SECONDS = 10;

export class QueuePartitionLayoutError extends Error {
  constructor(detail: string) {
    super(`crawling_queues is not partitioned as expected (${detail}); expected ${EXPECTED_LAYOUT}`);
    this.name = 'QueuePartitionLayoutError';
  }
}

export interface KeptPartition {
  partition: string;
  /** WAITING or PROCESSING entries found (counted up to 1000). */
  liveEntries: number;
}

export interface PartitionReport {
  added: string[];
  dropped: string[];
  /** Old enough to drop, but still holding live entries: kept (docs/adr/0008). */
  kept: KeptPartition[];
}

interface PartitionRow {
  PARTITION_NAME: string | null;
  PARTITION_METHOD: string | null;
  PARTITION_EXPRESSION: string | null;
  PARTITION_DESCRIPTION: string | null;
}

/** The current partitions of crawling_queues in order; throws QueuePartitionLayoutError if unusable. */
export async function readQueuePartitions(runner: QueryRunner): Promise<QueuePartition[]> {
  const rows: PartitionRow[] = await runner.query(
    `SELECT PARTITION_NAME, PARTITION_METHOD, PARTITION_EXPRESSION, PARTITION_DESCRIPTION
       FROM information_schema.PARTITIONS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'crawling_queues'
      ORDER BY PARTITION_ORDINAL_POSITION`,
  );
  if (rows.length === 0) throw new QueuePartitionLayoutError('the table does not exist');
  if (rows.some((row) => row.PARTITION_NAME === null)) {
    throw new QueuePartitionLayoutError('the table has no partitions');
  }
  const method = rows[0].PARTITION_METHOD ?? '';
  const expression = (rows[0].PARTITION_EXPRESSION ?? '').toLowerCase().replace(/[`\s]/g, '');
  if (method !== 'RANGE' || !expression.includes('unix_timestamp(created_at)')) {
    throw new QueuePartitionLayoutError(`found ${method} on ${rows[0].PARTITION_EXPRESSION ?? '?'}`);
  }
  const partitions = rows.map((row): QueuePartition => {
    const name = row.PARTITION_NAME as string;
    if (!SAFE_NAME.test(name)) throw new QueuePartitionLayoutError(`unexpected partition name ${name}`);
    const description = (row.PARTITION_DESCRIPTION ?? '').trim();
    if (description.toUpperCase() === 'MAXVALUE') return { name, bound: null };
    const bound = Number(description);
    if (!Number.isInteger(bound)) {
      throw new QueuePartitionLayoutError(`partition ${name} has bound ${description}`);
    }
    return { name, bound };
  });
  const last = partitions[partitions.length - 1];
  if (last.name !== FUTURE_PARTITION || last.bound !== null) {
    throw new QueuePartitionLayoutError(
      `the last partition is ${last.name}, not ${FUTURE_PARTITION} MAXVALUE`,
    );
  }
  return partitions;
}

/** Live (WAITING / PROCESSING) entries in one partition, counted up to 1000. */
export async function liveEntriesIn(runner: QueryRunner, partition: string): Promise<number> {
  if (!SAFE_NAME.test(partition)) throw new Error(`unsafe partition name ${partition}`);
  const [row] = await runner.query(
    `SELECT COUNT(*) AS n FROM (
       SELECT 1 FROM crawling_queues PARTITION (\`${partition}\`)
        WHERE status IN ('WAITING', 'PROCESSING') LIMIT 1000) live`,
  );
  return Number(row.n);
}

function reorganizeSql(add: readonly NewPartition[]): string {
  const parts = add.map((p) => `PARTITION \`${p.name}\` VALUES LESS THAN (${p.bound})`);
  return `ALTER TABLE crawling_queues REORGANIZE PARTITION \`${FUTURE_PARTITION}\` INTO (
    ${[...parts, `PARTITION \`${FUTURE_PARTITION}\` VALUES LESS THAN MAXVALUE`].join(',\n    ')})`;
}

/**
 * Splits the coming days off p_future, then drops old daily partitions whose entries are all
 * finished. A partition still holding WAITING or PROCESSING entries is kept, not drained
 * (docs/adr/0008-queue-partition-retention.md). Runs on the caller's dedicated connection, under
 * the maintenance lock.
 */
export async function maintainQueuePartitions(
  runner: QueryRunner,
  nowMs: number,
  settings: PartitionPlanSettings,
): Promise<PartitionReport> {
  const partitions = await readQueuePartitions(runner);
  const plan = planQueuePartitions(partitions, nowMs, settings);
  const report: PartitionReport = { added: [], dropped: [], kept: [] };

  await runner.query(`SET SESSION lock_wait_timeout = ${DDL_LOCK_WAIT_SECONDS}`);
  try {
    if (plan.add.length > 0) {
      await runner.query(reorganizeSql(plan.add));
      report.added = plan.add.map((p) => p.name);
    }
    for (const partition of plan.dropCandidates) {
      if (!isDailyPartition(partition)) continue;
      // Entries never return to WAITING once finished and new entries are created at NOW(), so a
      // partition found without live entries stays that way until the DROP.
      const live = await liveEntriesIn(runner, partition);
      if (live > 0) {
        report.kept.push({ partition, liveEntries: live });
        continue;
      }
      await runner.query(`ALTER TABLE crawling_queues DROP PARTITION \`${partition}\``);
      report.dropped.push(partition);
    }
  } finally {
    await runner.query('SET SESSION lock_wait_timeout = DEFAULT');
  }
  return report;
}
