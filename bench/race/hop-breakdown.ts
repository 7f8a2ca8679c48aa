import type { DataSource } from 'typeorm';
import { percentile } from '../support/cpu-meter';

export interface Segment {
  name: string;
  p50: number;
  p95: number;
}

export interface HopBreakdown {
  tasks: number;
  fetches: number;
  stored: number;
  /** The job's creation to its end, database time. */
  jobSeconds: number;
  segments: Segment[];
}

interface Row {
  type: string;
  created: number;
  dispatched: number;
  started: number;
  completed: number;
  applied: number;
}

/** First index whose value is at least `at` in an ascending list. */
function firstAtLeast(sorted: number[], at: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] < at) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Where a job's hops spent their time, from the timestamps the ledger keeps: the task row's
 * creation, the entry's last dispatch, the worker's start and end (its own clock, the same machine
 * here) and the entry's last change (the result applied). The refill is the gap between a result
 * applied and the job's next dispatch after it: what a freed slot waits while work is queued.
 */
export async function hopBreakdown(dataSource: DataSource, jobId: string): Promise<HopBreakdown> {
  const rows = (
    await dataSource.query<Array<Record<string, string>>>(
      `SELECT t.task_type AS type,
              UNIX_TIMESTAMP(t.created_at) * 1000 AS created,
              UNIX_TIMESTAMP(q.dispatched_at) * 1000 AS dispatched,
              UNIX_TIMESTAMP(t.started_at) * 1000 AS started,
              UNIX_TIMESTAMP(t.completed_at) * 1000 AS completed,
              UNIX_TIMESTAMP(q.updated_at) * 1000 AS applied
         FROM crawling_tasks t JOIN crawling_queues q ON q.task_id = t.id
        WHERE t.job_id = ? AND q.status = 'COMPLETED' AND t.status = 'SUCCESS'`,
      [jobId],
    )
  ).map((r): Row => ({
    type: r.type,
    created: Number(r.created),
    dispatched: Number(r.dispatched),
    started: Number(r.started),
    completed: Number(r.completed),
    applied: Number(r.applied),
  }));
  const [job] = await dataSource.query<Array<{ seconds: string }>>(
    `SELECT TIMESTAMPDIFF(MICROSECOND, created_at, completed_at) / 1e6 AS seconds FROM crawling_jobs WHERE id = ?`,
    [jobId],
  );
  const [items] = await dataSource.query<Array<{ n: string }>>(
    'SELECT COUNT(*) AS n FROM crawled_items WHERE job_id = ?',
    [jobId],
  );
  const dispatches = rows.map((r) => r.dispatched).sort((a, b) => a - b);
  // NaN for the results after the job's last dispatch: nothing was waiting for their slot.
  const refill = rows.map((r) => {
    const next = firstAtLeast(dispatches, r.applied);
    return next < dispatches.length ? dispatches[next] - r.applied : Number.NaN;
  });
  const overhead = rows.map(
    (r, i) =>
      r.started - r.dispatched + (r.applied - r.completed) + (Number.isFinite(refill[i]) ? refill[i] : 0),
  );
  const segment = (name: string, values: number[]): Segment => ({
    name,
    p50: percentile(values, 0.5),
    p95: percentile(values, 0.95),
  });
  const by = (type: string): Row[] => rows.filter((r) => r.type === type);
  return {
    tasks: rows.length,
    fetches: by('FETCH').length,
    stored: Number(items?.n ?? 0),
    jobSeconds: Number(job?.seconds ?? Number.NaN),
    segments: [
      segment(
        'created → dispatched (with cap wait)',
        rows.map((r) => r.dispatched - r.created),
      ),
      segment(
        'dispatched → started',
        rows.map((r) => r.started - r.dispatched),
      ),
      ...['FETCH', 'PARSE', 'STORE'].map((type) =>
        segment(
          `work, ${type}`,
          by(type).map((r) => r.completed - r.started),
        ),
      ),
      segment(
        'completed → applied',
        rows.map((r) => r.applied - r.completed),
      ),
      segment('applied → next dispatch (refill)', refill.filter(Number.isFinite)),
      segment('orchestration per hop', overhead),
    ],
  };
}
