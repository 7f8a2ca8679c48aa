import { schemaProblem } from './schema-problem.testing';
import { parseTaskMessage, parseTaskResultBatch, TaskResult } from './task-messages';

const result: TaskResult = {
  v: 1,
  queue_id: '12',
  task_id: '34',
  job_id: '5',
  stage: 'fetch',
  attempt: 1,
  outcome: 'SUCCESS',
  started_at: '2026-11-29T02:03:11.123Z',
  completed_at: '2026-11-29T02:03:11.456Z',
  response_time_ms: 333,
  queued_at: '2026-11-29 02:03:10.000',
};

describe('task results', () => {
  const batch = (overrides: Partial<Record<keyof TaskResult, unknown>>) =>
    JSON.stringify({ v: 1, results: [result, { ...result, ...overrides }] });

  it('reads a batch of results', () => {
    expect(parseTaskResultBatch(batch({ queue_id: '13' })).results.map((r) => r.queue_id)).toEqual([
      '12',
      '13',
    ]);
  });

  it.each([
    ['not a time', { started_at: 'yesterday' }, '$.results[1].started_at: expected a UTC time'],
    ['no such day', { completed_at: '2026-02-30T00:00:00.000Z' }, '$.results[1].completed_at: no such time'],
    ['beyond a TIMESTAMP', { started_at: '2040-01-01T00:00:00.000Z' }, '$.results[1].started_at: outside'],
    ['a local time', { started_at: '2026-11-29T02:03:11.123+01:00' }, '$.results[1].started_at: expected'],
    ['a bad queued_at', { queued_at: '2026-11-29; DROP' }, '$.results[1].queued_at: expected a time'],
    ['a FAILED without error', { outcome: 'FAILED' }, '$.results[1].error: a FAILED result needs an error'],
  ])('refuses %s with the path of the problem', (_, overrides, message) => {
    expect(schemaProblem(() => parseTaskResultBatch(batch(overrides)))).toContain(message);
  });
});

describe('task messages', () => {
  const message = {
    v: 1,
    queue_id: '12',
    task_id: '34',
    job_id: '5',
    stage: 'parse',
    attempt: 2,
    queued_at: '2026-11-29 02:03:10.000',
    payload: { url: 'http://shop.test/' },
  };

  it('reads what the relay publishes', () => {
    expect(parseTaskMessage(JSON.stringify(message))).toEqual(message);
  });

  it.each([
    ['not JSON', '{', '$: not JSON'],
    ['an unknown version', JSON.stringify({ ...message, v: 2 }), '$.v: unsupported message version 2'],
    ['a bad id', JSON.stringify({ ...message, task_id: 'x' }), '$.task_id: expected a positive id'],
    ['an unknown stage', JSON.stringify({ ...message, stage: 'index' }), '$.stage: expected one of'],
    [
      'a payload that is no object',
      JSON.stringify({ ...message, payload: [] }),
      '$.payload: expected an object',
    ],
  ])('refuses %s', (_, body, text) => {
    expect(schemaProblem(() => parseTaskMessage(body))).toContain(text);
  });
});
