import { expectBadRequest, useApiHarness } from '../testing/api-harness';

describe('execution controls', () => {
  const api = useApiHarness('controls-int-spec');
  let workflowId: string;

  beforeEach(async () => {
    workflowId = await api().createWorkflow({
      workflow_name: 'controls-wf',
      workflow_definition: {
        steps: [
          { name: 'fetch', type: 'FETCH', config: { url_pattern: 'http://127.0.0.1/x' } },
          { name: 'parse', type: 'PARSE', config: { selectors: { title: 'h1' } } },
        ],
      },
    });
  });

  it('sets parallelism and resource pools', async () => {
    const { call } = api();
    const set = await call('PUT', `/api/workflows/${workflowId}/parallelism`, {
      max_parallel_jobs: 2,
      max_parallel_tasks: 4,
      resource_pool: 'shared',
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      workflow_id: workflowId,
      max_parallel_jobs: 2,
      max_parallel_tasks: 4,
      resource_pool: 'shared',
    });
    expectBadRequest(
      await call('PUT', `/api/workflows/${workflowId}/parallelism`, { max_parallel_jobs: 0 }),
      'body.max_parallel_jobs',
    );
    expect((await call('PUT', '/api/workflows/999999/parallelism', {})).status).toBe(404);
    const pool = await call('PUT', '/api/resource-pools/shared', { slots: 3 });
    expect(pool.body).toMatchObject({ name: 'shared', slots: 3 });
    expectBadRequest(await call('PUT', '/api/resource-pools/shared', {}), 'body.slots');
  });

  it('creates mappings and refuses a bad condition with its position', async () => {
    const { call } = api();
    const type = await call('POST', '/api/target-types', { code: 'mapped', name: 'Mapped' });
    const mapping = await call('POST', '/api/target-workflow-mappings', {
      target_type_id: type.body.id,
      workflow_id: workflowId,
      condition_expression: "target.url matches '^https://' and params.region == 'kr'",
      priority: 5,
    });
    expect(mapping.status).toBe(201);
    const bad = await call('POST', '/api/target-workflow-mappings', {
      target_type_id: type.body.id,
      workflow_id: workflowId,
      condition_expression: "target.url == 'x' and",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.path).toBe('body.condition_expression');
    expect(bad.body.message).toMatch(/position 22/);
    const list = await call('GET', `/api/target-workflow-mappings?target_type_id=${type.body.id}`);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.next_cursor).toBeNull();
  });
});
