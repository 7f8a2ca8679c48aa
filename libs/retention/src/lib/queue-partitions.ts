import { Db, dialectOf, QueuePartitionsRepository } from '@crawlflow/db';
import {
  FUTURE_PARTITION,
  isDailyPartition,
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

/** Live entries of a partition are counted up to this many: enough to say it must be kept. */
const LIVE_COUNT_CAP = 1000;

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
  /** SQLite (no partitions): finished entries past the retention deleted in batches (ADR 0014). */
  deletedEntries?: number;
}

/** Finished entries deleted per statement on SQLite: short enough not to hold the one writer. */
const DELETE_BATCH = 5000;
const DAY_MS = 86_400_000;

/** The current partitions of crawling_queues in order; throws QueuePartitionLayoutError if unusable. */
export async function readQueuePartitions(db: Db): Promise<QueuePartition[]> {
  const rows = await QueuePartitionsRepository.list(db);
  if (rows.length === 0) throw new QueuePartitionLayoutError('the table does not exist');
  if (rows.some((row) => row.name === null)) {
    throw new QueuePartitionLayoutError('the table has no partitions');
  }
  const method = rows[0].method ?? '';
  const expression = (rows[0].expression ?? '').toLowerCase().replace(/[`\s]/g, '');
  if (method !== 'RANGE' || !expression.includes('unix_timestamp(created_at)')) {
    throw new QueuePartitionLayoutError(`found ${method} on ${rows[0].expression ?? '?'}`);
  }
  const partitions = rows.map((row): QueuePartition => {
    const name = row.name as string;
    if (!SAFE_NAME.test(name)) throw new QueuePartitionLayoutError(`unexpected partition name ${name}`);
    const description = (row.description ?? '').trim();
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

/**
 * Splits the coming days off p_future, then drops old daily partitions whose entries are all
 * finished. A partition still holding WAITING or PROCESSING entries is kept, not drained
 * (docs/adr/0008-queue-partition-retention.md). Runs on the caller's dedicated connection, under
 * the maintenance lock.
 */
export async function maintainQueuePartitions(
  db: Db,
  nowMs: number,
  settings: PartitionPlanSettings,
): Promise<PartitionReport> {
  if (dialectOf(db) === 'sqlite') return deleteFinishedEntries(db, nowMs, settings);
  const partitions = await readQueuePartitions(db);
  const plan = planQueuePartitions(partitions, nowMs, settings);
  const report: PartitionReport = { added: [], dropped: [], kept: [] };

  await QueuePartitionsRepository.withLockWait(db, DDL_LOCK_WAIT_SECONDS, async () => {
    if (plan.add.length > 0) {
      await QueuePartitionsRepository.splitOff(db, FUTURE_PARTITION, plan.add);
      report.added = plan.add.map((p) => p.name);
    }
    for (const partition of plan.dropCandidates) {
      if (!isDailyPartition(partition)) continue;
      // Entries never return to WAITING once finished and new entries are created at NOW(), so a
      // partition found without live entries stays that way until the DROP.
      const live = await QueuePartitionsRepository.countLiveEntries(db, partition, LIVE_COUNT_CAP);
      if (live > 0) {
        report.kept.push({ partition, liveEntries: live });
        continue;
      }
      await QueuePartitionsRepository.drop(db, partition);
      report.dropped.push(partition);
    }
  });
  return report;
}

/**
 * The standalone database has one unpartitioned ledger: entries that finished (COMPLETED or FAILED)
 * and were created before the retention cut-off go in batches, each its own short
 * statement, so the relay and the workers get the writer between them.
 */
async function deleteFinishedEntries(
  db: Db,
  nowMs: number,
  settings: PartitionPlanSettings,
): Promise<PartitionReport> {
  const cutoff = new Date(nowMs - settings.retentionDays * DAY_MS);
  let deletedEntries = 0;
  for (;;) {
    const deleted = await QueuePartitionsRepository.deleteFinishedBefore(db, cutoff, DELETE_BATCH);
    deletedEntries += deleted;
    if (deleted < DELETE_BATCH) break;
  }
  return { added: [], dropped: [], kept: [], deletedEntries };
}
