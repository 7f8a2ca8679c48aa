import { TIERS, type Queues, type Tier } from './types';

const STAGES = ['FETCH', 'PARSE', 'STORE'] as const;

export interface QueueRow {
  stage: string;
  tier: Tier;
  queue: string;
  waiting: number;
  due: number;
  processing: number;
  ready: number | null;
  consumers: number | null;
  /**
   * Ledger PROCESSING minus broker ready, as `crawlflow_ledger_broker_drift`: the tasks being worked
   * on plus any lost in transit (null when the broker did not answer).
   */
  drift: number | null;
}

/** One row per stage and tier: the ledger's counts beside the broker's queue of that name. */
export function queueRows(queues: Queues): QueueRow[] {
  const broker = Array.isArray(queues.broker) ? queues.broker : [];
  const rows: QueueRow[] = [];
  for (const stage of STAGES) {
    for (const tier of TIERS) {
      const ledger = queues.ledger.filter((row) => row.stage.toUpperCase() === stage && row.tier === tier);
      const sum = (status: string, field: 'count' | 'due') =>
        ledger
          .filter((row) => row.status === status)
          .reduce((total, row) => total + (row[field] ?? row.count), 0);
      const queue = `crawl.${stage.toLowerCase()}.${tier}`;
      const counts = broker.find((entry) => entry.queue === queue);
      const ready = counts && !counts.error ? counts.messages : null;
      const processing = sum('PROCESSING', 'count');
      rows.push({
        stage,
        tier,
        queue,
        waiting: sum('WAITING', 'count'),
        due: sum('WAITING', 'due'),
        processing,
        ready,
        consumers: counts && !counts.error ? counts.consumers : null,
        drift: ready === null ? null : processing - ready,
      });
    }
  }
  return rows;
}
