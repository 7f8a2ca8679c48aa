import { waitFor } from '@crawlflow/testing';
import { expectBadRequest, useApiHarness } from '../testing/api-harness';

describe('statistics, alerts, queue depth and key metrics', () => {
  const api = useApiHarness('stats-int-spec');
  let workflowId: string;

  // Each test: a workflow whose two jobs failed a moment ago, and one waiting high-priority fetch.
  beforeEach(async () => {
    const { db, createSource, createTarget, createWorkflow, createJob } = api();
    const sourceId = await createSource('stats-src');
    const targetId = await createTarget(sourceId);
    workflowId = await createWorkflow({ source_id: sourceId, workflow_name: 'jobs workflow' });
    await createJob(workflowId, { target_id: targetId });
    await createJob(workflowId);
    await db.dataSource.query(
      "UPDATE crawling_jobs SET status = 'FAILED', started_at = NOW() - INTERVAL 5 SECOND, completed_at = NOW() WHERE workflow_id = ? AND status = 'PENDING'",
      [workflowId],
    );
    await db.dataSource.query(
      "INSERT INTO crawling_queues (queue_type, stage, job_id, task_id, priority, status) VALUES ('HIGH_PRIORITY', 'FETCH', 1, 1, 9, 'WAITING')",
    );
  });

  it('answers job statistics, failure alerts and queue depth', async () => {
    const { call } = api();
    const stats = await call('GET', `/api/stats/jobs?workflow_id=${workflowId}`);
    expect(stats.status).toBe(200);
    expect(stats.body.data[0]).toMatchObject({
      workflow_id: workflowId,
      total_jobs: expect.any(Number),
      success_jobs: 0,
    });

    const alerts = await call('GET', '/api/stats/alerts?threshold=20&window_minutes=60');
    expect(alerts.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ workflow_id: workflowId, workflow_name: 'jobs workflow' }),
      ]),
    );
    expect((await call('GET', '/api/stats/alerts?threshold=100')).body.data).toEqual([]);
    expectBadRequest(await call('GET', '/api/stats/alerts?threshold=abc'), 'query.threshold');

    const queues = await call('GET', '/api/queues');
    expect(queues.body.ledger).toEqual([
      expect.objectContaining({ stage: 'fetch', tier: 'high', status: 'WAITING', count: 1 }),
    ]);
    expect(queues.body.broker).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ queue: 'crawl.triggers.jobs', messages: 0, consumers: 1 }),
      ]),
    );
  });

  it('exports the key figures on /metrics', async () => {
    const { call } = api();
    const text = await waitFor(
      async () => {
        const metrics = await call('GET', '/metrics', undefined, null);
        return /crawlflow_queue_depth\{[^}]*tier="high"[^}]*\} 1/.test(metrics.body)
          ? (metrics.body as string)
          : undefined;
      },
      { what: 'the queue depth gauge' },
    );
    expect(text).toMatch(/crawlflow_job_success_ratio\{[^}]*\} 0\b/);
    expect(text).toContain('crawlflow_job_avg_execution_seconds');
    expect(text).toContain('crawlflow_task_retry_ratio');
  });
});
