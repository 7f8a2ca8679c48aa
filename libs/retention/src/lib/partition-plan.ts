/**
 * Pure planning for the daily partitions of crawling_queues: which days to split off `p_future`
 * and which old days may be dropped. No I/O; queue-partitions.ts reads the layout and applies it.
 */
export const DAY_MS = 86_400_000;

/** Never split off more than this many days at once (a long outage must not make one giant ALTER). */
export const MAX_PARTITIONS_PER_RUN = 400;

export const FUTURE_PARTITION = 'p_future';
const DAILY_NAME = /^p\d{8}$/;

export interface QueuePartition {
  name: string;
  /** Exclusive upper bound in epoch seconds; null for MAXVALUE. */
  bound: number | null;
}

export interface NewPartition {
  name: string;
  bound: number;
}

export interface PartitionPlan {
  /** In ascending order, to split off p_future in one REORGANIZE. */
  add: NewPartition[];
  /** Daily partitions whose every possible row is older than the retention; drop if finished. */
  dropCandidates: string[];
}

export interface PartitionPlanSettings {
  aheadDays: number;
  retentionDays: number;
}

/** `p<YYYYMMDD>` for the UTC day starting at `dayStartMs`, as the initial migration names them. */
export function dailyPartitionName(dayStartMs: number): string {
  return `p${new Date(dayStartMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

export function isDailyPartition(name: string): boolean {
  return DAILY_NAME.test(name);
}

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/**
 * Days today … today + aheadDays that are not covered yet get a partition each. Days missed while
 * maintenance did not run (between the last bounded partition and today) get one too, but only
 * back to the retention horizon: older rows waiting in p_future simply fall into the first new
 * partition, which REORGANIZE fills from p_future (the catch-all).
 */
export function planQueuePartitions(
  partitions: readonly QueuePartition[],
  nowMs: number,
  settings: PartitionPlanSettings,
): PartitionPlan {
  const today = startOfUtcDay(nowMs);
  const bounds = partitions.map((p) => p.bound).filter((b): b is number => b !== null);
  const lastBoundMs = bounds.length > 0 ? Math.max(...bounds) * 1000 : -Infinity;
  const horizon = today - settings.retentionDays * DAY_MS;
  const firstDay = Math.max(Number.isFinite(lastBoundMs) ? startOfUtcDay(lastBoundMs) : today, horizon);
  const lastDay = today + settings.aheadDays * DAY_MS;
  const existing = new Set(partitions.map((p) => p.name));

  let add: NewPartition[] = [];
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    const bound = (day + DAY_MS) / 1000;
    const name = dailyPartitionName(day);
    if (bound * 1000 > lastBoundMs && !existing.has(name)) add.push({ name, bound });
  }
  if (add.length > MAX_PARTITIONS_PER_RUN) add = add.slice(add.length - MAX_PARTITIONS_PER_RUN);

  // Every row of a partition is older than its bound; the day must have ended `retentionDays` ago.
  const dropBefore = (nowMs - settings.retentionDays * DAY_MS) / 1000;
  const dropCandidates = partitions
    .filter((p) => isDailyPartition(p.name) && p.bound !== null && p.bound <= dropBefore)
    .map((p) => p.name);

  return { add, dropCandidates };
}
