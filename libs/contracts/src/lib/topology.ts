/**
 * Names deployed brokers use: append-only. Renaming one strands every message in the old queue.
 */
export const STAGES = ['fetch', 'parse', 'store'] as const;
export type Stage = (typeof STAGES)[number];

export const TIERS = ['high', 'normal', 'low'] as const;
export type Tier = (typeof TIERS)[number];

/** `crawling_queues.queue_type` values, in claim order (the enum's order sorts HIGH first). */
export const QUEUE_TYPES = ['HIGH_PRIORITY', 'NORMAL', 'LOW_PRIORITY'] as const;
export type QueueType = (typeof QUEUE_TYPES)[number];

export const EXCHANGES = {
  /** direct: routing key `<stage>.<tier>` → queue `crawl.<stage>.<tier>`. */
  tasks: 'crawl.tasks',
  /** topic: `job.trigger` from other services. */
  triggers: 'crawl.triggers',
  /** topic: `job.started`, `job.succeeded`, `job.failed`, `job.cancelled` for other services. */
  events: 'crawl.events',
  /** direct: routing key = the dead queue's name. */
  dead: 'crawl.dead',
} as const;

export const RESULTS_QUEUE = 'crawl.results';
export const RESULTS_ROUTING_KEY = 'results';
export const TRIGGERS_QUEUE = 'crawl.triggers.jobs';
export const TRIGGERS_DEAD_QUEUE = 'crawl.triggers.dead';
export const TRIGGER_ROUTING_KEY = 'job.trigger';

export const JOB_EVENT_KEYS = ['job.started', 'job.succeeded', 'job.failed', 'job.cancelled'] as const;
export type JobEventKey = (typeof JOB_EVENT_KEYS)[number];

/** Header that carries why a message was dead-lettered. */
export const DEAD_REASON_HEADER = 'x-crawlflow-reason';
/** On a task message whose previous dispatch ran out of lease without a result: run it alone. */
export const SUSPECT_HEADER = 'x-crawlflow-suspect';

export function taskQueueName(stage: Stage, tier: Tier): string {
  return `crawl.${stage}.${tier}`;
}

export function taskRoutingKey(stage: Stage, tier: Tier): string {
  return `${stage}.${tier}`;
}

export function deadQueueName(stage: Stage | 'results'): string {
  return `crawl.${stage}.dead`;
}

/** A job's priority 1–10 picks its tier: 8–10 high, 4–7 normal, 1–3 low. */
export function tierForPriority(priority: number): Tier {
  if (priority >= 8) return 'high';
  if (priority >= 4) return 'normal';
  return 'low';
}

export function queueTypeForTier(tier: Tier): QueueType {
  return QUEUE_TYPES[TIERS.indexOf(tier)];
}

export function tierForQueueType(queueType: QueueType): Tier {
  return TIERS[QUEUE_TYPES.indexOf(queueType)];
}
