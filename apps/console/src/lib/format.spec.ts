import {
  allowedActions,
  checkpointLines,
  dateTime,
  duration,
  shortDuration,
  jobPace,
  recordColumns,
  stepRows,
} from './format';
import { queueRows } from './queues';
import type { Job } from './types';

function job(overrides: Partial<Job>): Job {
  return {
    id: '1',
    schedule_id: null,
    workflow_id: '7',
    workflow_version: 1,
    target_id: null,
    job_type: 'FULL',
    status: 'RUNNING',
    priority: 5,
    params: {},
    scheduled_at: null,
    started_at: '2026-12-03T10:00:00.000Z',
    completed_at: null,
    total_items: 0,
    processed_items: 0,
    success_count: 0,
    failed_count: 0,
    error_summary: null,
    created_at: '2026-12-03T10:00:00.000Z',
    updated_at: '2026-12-03T10:00:00.000Z',
    ...overrides,
  };
}

describe('console figures', () => {
  it('computes rate and ETA from the counters and the start time', () => {
    const now = Date.parse('2026-12-03T10:00:20.000Z');
    const pace = jobPace(job({ total_items: 100, processed_items: 40 }), now);
    expect(pace.fraction).toBeCloseTo(0.4);
    expect(pace.rate).toBeCloseTo(2);
    expect(pace.etaSeconds).toBeCloseTo(30);
    expect(pace.elapsedSeconds).toBe(20);
  });

  it('has no fraction while the total is unknown, and no ETA once finished', () => {
    expect(jobPace(job({ processed_items: 5 })).fraction).toBeNull();
    const done = jobPace(
      job({
        status: 'SUCCESS',
        completed_at: '2026-12-03T10:01:00.000Z',
        processed_items: 60,
        total_items: 60,
      }),
    );
    expect(done).toMatchObject({ fraction: 1, etaSeconds: null, elapsedSeconds: 60, rate: 1 });
  });

  it('allows the controls the API allows', () => {
    expect([...allowedActions(job({}), 'RUNNING')].sort()).toEqual(['cancel', 'pause']);
    expect([...allowedActions(job({}), 'PAUSED')].sort()).toEqual(['cancel', 'resume']);
    expect([...allowedActions(job({ status: 'PENDING' }), null)]).toEqual(['cancel']);
    expect([...allowedActions(job({ status: 'FAILED', failed_count: 3 }), 'FAILED')]).toEqual(['retry']);
    expect([...allowedActions(job({ status: 'SUCCESS' }), 'COMPLETED')]).toEqual([]);
  });

  it('reads durations as an operator does', () => {
    expect(duration(0.42)).toBe('0.4 s');
    expect(duration(185)).toBe('3 min 5 s');
    expect(duration(7_800)).toBe('2 h 10 min');
    expect(duration(1800)).toBe('30 min');
    expect(duration(86_400)).toBe('1 d');
    expect(duration(null)).toBe('—');
    expect([0.42, 45, 900, 5400, 172_800].map(shortDuration)).toEqual(['0.4s', '45s', '15m', '1.5h', '2d']);
  });

  it('writes times in a given zone with its offset', () => {
    expect(dateTime('2026-12-04T00:00:00.000Z', 'Asia/Seoul')).toBe('2026-12-04 09:00:00 GMT+9');
    expect(dateTime('2026-12-04T00:00:00.000Z', 'UTC')).toBe('2026-12-04 00:00:00 UTC');
    expect(dateTime(null)).toBe('—');
  });

  it('takes the columns of an items table from the records, in first-seen order', () => {
    expect(recordColumns([{ name: 'a', price: '1' }, { name: 'b', url: 'u' }, 'text', null])).toEqual([
      'name',
      'price',
      'url',
    ]);
  });

  it('averages a step over its tasks and states the checkpoint', () => {
    expect(
      stepRows({ list: { tasks: 4, succeeded: 4, failed: 0, retried: 1, records: 80, total_ms: 100 } })[0],
    ).toMatchObject({ step: 'list', avgMs: 25 });
    expect(
      checkpointLines({
        pagination: { next_page: 3, last_page: 10, stopped_at: null },
        checkpoint: { step: 'list', progress: 2 },
      }),
    ).toEqual(['step list, progress 2', 'pagination: next page 3 of 10']);
  });

  it('puts the ledger beside the broker per stage and tier, with the drift', () => {
    const rows = queueRows({
      ledger: [
        { stage: 'fetch', tier: 'normal', queue_type: 'NORMAL', status: 'WAITING', count: 5, due: 2 },
        { stage: 'fetch', tier: 'normal', queue_type: 'NORMAL', status: 'PROCESSING', count: 7, due: 7 },
      ],
      broker: [{ queue: 'crawl.fetch.normal', messages: 4, consumers: 2 }],
    });
    expect(rows).toHaveLength(9);
    expect(rows.find((row) => row.queue === 'crawl.fetch.normal')).toMatchObject({
      waiting: 5,
      due: 2,
      processing: 7,
      ready: 4,
      consumers: 2,
      drift: 3,
    });
    expect(rows.find((row) => row.queue === 'crawl.parse.high')).toMatchObject({
      waiting: 0,
      ready: null,
      drift: null,
    });
  });
});
