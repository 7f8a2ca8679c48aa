import { expectBadRequest, useApiHarness } from '../testing/api-harness';

describe('jobs', () => {
  const api = useApiHarness('jobs-int-spec');
  let workflowId: string;
  let targetId: string;

  // Every test starts from empty tables (the harness): each one gets a workflow and a target of its own.
  beforeEach(async () => {
    const { createSource, createTarget, createWorkflow } = api();
    const sourceId = await createSource('jobs-src');
    targetId = await createTarget(sourceId);
    workflowId = await createWorkflow({ source_id: sourceId, workflow_name: 'jobs workflow' });
  });

  it('starts a job of a workflow with 202, once per idempotency key', async () => {
    const { call, db } = api();
    const body = {
      target_id: targetId,
      params: { page_size: 10 },
      priority: 9,
      idempotency_key: 'api-key-1',
    };
    const first = await call('POST', `/api/workflows/${workflowId}/jobs`, body);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      workflow_id: workflowId,
      target_id: targetId,
      status: 'PENDING',
      priority: 9,
      params: { page_size: 10 },
      job_type: 'FULL',
      workflow_version: 1,
    });
    const second = await call('POST', `/api/workflows/${workflowId}/jobs`, body);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const [{ n }] = await db.dataSource.query<Array<{ n: string }>>(
      "SELECT COUNT(*) AS n FROM crawling_jobs WHERE idempotency_key = 'api-key-1'",
    );
    expect(Number(n)).toBe(1);
  });

  it('refuses bad job requests', async () => {
    const { call } = api();
    expectBadRequest(
      await call('POST', `/api/workflows/${workflowId}/jobs`, { priority: 11 }),
      'body.priority',
    );
    expectBadRequest(
      await call('POST', `/api/workflows/${workflowId}/jobs`, { job_type: 'HOURLY' }),
      'body.job_type',
    );
    expectBadRequest(
      await call('POST', `/api/workflows/${workflowId}/jobs`, { depends_on: [{}] }),
      'body.depends_on[0].job_id',
    );
    expectBadRequest(
      await call('POST', `/api/workflows/${workflowId}/jobs`, { depends_on: [{ job_id: '999999' }] }),
      'body.depends_on[0].job_id',
    );
    expect((await call('POST', '/api/workflows/999999/jobs', {})).status).toBe(404);
    expect((await call('POST', `/api/workflows/${workflowId}/jobs`, { target_id: '999999' })).status).toBe(
      404,
    );
  });

  it('GET /api/jobs/:id reads an archived job, marked archived', async () => {
    const { call, db } = api();
    await db.dataSource.query(
      `INSERT INTO crawling_jobs_archive (id, workflow_id, job_type, status, total_items, processed_items, completed_at, archived_at)
       VALUES (900001, ?, 'FULL', 'SUCCESS', 3, 3, NOW(3) - INTERVAL 40 DAY, NOW(3))`,
      [workflowId],
    );
    const answer = await call('GET', '/api/jobs/900001');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: '900001', status: 'SUCCESS', archived: true });
    expect((await call('GET', '/api/jobs/900002')).status).toBe(404);
  });

  it('POST /api/jobs needs a target; without a workflow_id and no mapping it answers 422', async () => {
    const { call } = api();
    expectBadRequest(await call('POST', '/api/jobs', { workflow_id: workflowId }), 'body.target_id');
    const unmapped = await call('POST', '/api/jobs', { target_id: targetId });
    expect(unmapped.status).toBe(422);
    expect(unmapped.body.message).toMatch(/no workflow is mapped|no target type/);
    const started = await call('POST', '/api/jobs', {
      target_id: targetId,
      workflow_id: workflowId,
      priority: 2,
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      workflow_id: workflowId,
      target_id: targetId,
      priority: 2,
      status: 'PENDING',
    });
  });

  it('lists, filters and shows jobs with progress and execution', async () => {
    const { call, db, createJob } = api();
    await createJob(workflowId, { target_id: targetId, priority: 9 });
    await createJob(workflowId, { target_id: targetId, priority: 2 });
    const listed = await call('GET', `/api/jobs?status=PENDING&workflow_id=${workflowId}`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.length).toBe(2);
    expect(listed.body.data.every((job: { status: string }) => job.status === 'PENDING')).toBe(true);
    expect((await call('GET', `/api/jobs?status=SUCCESS&workflow_id=${workflowId}`)).body.data).toEqual([]);
    expectBadRequest(await call('GET', '/api/jobs?status=DONE'), 'query.status');
    const jobId = listed.body.data[0].id;
    await db.dataSource.query('UPDATE crawling_jobs SET total_items = 8, processed_items = 2 WHERE id = ?', [
      jobId,
    ]);
    await db.dataSource.query(
      "INSERT INTO workflow_executions (workflow_id, job_id, current_step, status, context) VALUES (?, ?, 'fetch_list', 'RUNNING', ?)",
      [workflowId, jobId, JSON.stringify({ current_page: 5 })],
    );
    const detail = await call('GET', `/api/jobs/${jobId}`);
    expect(detail.body).toMatchObject({
      id: jobId,
      progress: { processed: 2, total: 8, percent: 25 },
      execution: {
        job_id: jobId,
        current_step: 'fetch_list',
        status: 'RUNNING',
        context: { current_page: 5 },
      },
    });
    expect((await call('GET', '/api/jobs/999999')).status).toBe(404);
  });

  it('cancels, refuses wrong-state controls with 409, and retries failed tasks', async () => {
    const { call, db, createJob } = api();
    const jobId = await createJob(workflowId);
    const cancelled = await call('POST', `/api/jobs/${jobId}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ id: jobId, status: 'CANCELLED' });
    expect((await call('POST', `/api/jobs/${jobId}/cancel`)).status).toBe(409);
    expect((await call('POST', `/api/jobs/${jobId}/pause`)).status).toBe(409);
    expect((await call('POST', `/api/jobs/${jobId}/resume`)).status).toBe(409);
    expect((await call('POST', `/api/jobs/${jobId}/retry`)).status).toBe(409); // no failed tasks
    await db.dataSource.query(
      "INSERT INTO crawling_tasks (job_id, task_type, status, sequence_number, step_order) VALUES (?, 'FETCH', 'FAILED', 1, 1)",
      [jobId],
    );
    const retry = await call('POST', `/api/jobs/${jobId}/retry`);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ job_type: 'RETRY', status: 'PENDING', workflow_id: workflowId });
    expect(retry.body.id).not.toBe(jobId);
    for (const action of ['cancel', 'pause', 'resume', 'retry']) {
      expect((await call('POST', `/api/jobs/999999/${action}`)).status).toBe(404);
    }
  });

  it("lists a job's tasks and the last step's records as its items", async () => {
    const { call, db, createJob } = api();
    const jobId = await createJob(workflowId);
    const insertTask = (sequence: number, stepOrder: number, records: unknown[]): Promise<unknown> =>
      db.dataSource.query(
        "INSERT INTO crawling_tasks (job_id, task_type, status, sequence_number, step_order, output_data) VALUES (?, ?, 'SUCCESS', ?, ?, ?)",
        [jobId, stepOrder === 1 ? 'FETCH' : 'PARSE', sequence, stepOrder, JSON.stringify({ records })],
      );
    await insertTask(1, 1, [{ ignored: true }]);
    await insertTask(2, 2, [{ name: 'a' }, { name: 'b' }]);
    await insertTask(3, 2, [{ name: 'c' }, { name: 'd' }, { name: 'e' }]);

    const tasks = await call('GET', `/api/jobs/${jobId}/tasks?limit=2`);
    expect(tasks.body.data).toHaveLength(2);
    expect(tasks.body.data[1].output_data).toEqual({ records: [{ name: 'a' }, { name: 'b' }] });
    const rest = await call('GET', `/api/jobs/${jobId}/tasks?limit=2&cursor=${tasks.body.next_cursor}`);
    expect(rest.body.data).toHaveLength(1);
    expect(rest.body.next_cursor).toBeNull();

    const first = await call('GET', `/api/jobs/${jobId}/items?limit=4`);
    expect(first.body.source).toBe('task_output');
    expect(first.body.data.map((item: { data: { name: string } }) => item.data.name)).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    const second = await call('GET', `/api/jobs/${jobId}/items?limit=4&cursor=${first.body.next_cursor}`);
    expect(second.body).toMatchObject({
      data: [expect.objectContaining({ data: { name: 'e' } })],
      next_cursor: null,
    });
    expect((await call('GET', '/api/jobs/999999/tasks')).status).toBe(404);
    expect((await call('GET', '/api/jobs/999999/items')).status).toBe(404);
  });

  it('answers stored items from crawled_items when the job stored any', async () => {
    const { call, db, createJob } = api();
    const jobId = await createJob(workflowId);
    for (const key of ['k1', 'k2']) {
      await db.dataSource.query(
        'INSERT INTO crawled_items (workflow_id, job_id, item_key, data, content_hash) VALUES (?, ?, ?, ?, ?)',
        [workflowId, jobId, key, JSON.stringify({ key }), 'x'.repeat(64)],
      );
    }
    const items = await call('GET', `/api/jobs/${jobId}/items`);
    expect(items.body).toMatchObject({
      source: 'crawled_items',
      next_cursor: null,
      data: [
        expect.objectContaining({ item_key: 'k1', data: { key: 'k1' }, job_id: jobId }),
        expect.objectContaining({ item_key: 'k2', data: { key: 'k2' } }),
      ],
    });
  });
});
