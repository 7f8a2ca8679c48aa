import { SEED_EXAMPLE_DEFINITION } from '@crawlflow/contracts';
import { expectBadRequest, useApiHarness } from '../testing/api-harness';

describe('workflows', () => {
  const api = useApiHarness('workflows-int-spec');

  it("accepts the original design's example definition verbatim as version 1", async () => {
    const { call, db } = api();
    const created = await call('POST', '/api/workflows', {
      workflow_name: 'seed example',
      workflow_type: 'INCREMENTAL',
      workflow_definition: SEED_EXAMPLE_DEFINITION,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      workflow_name: 'seed example',
      workflow_type: 'INCREMENTAL',
      workflow_definition: SEED_EXAMPLE_DEFINITION,
      is_active: true,
      version: 1,
    });
    const steps = await db.dataSource.query<
      Array<{ step_order: number; step_name: string; step_type: string }>
    >(
      'SELECT step_order, step_name, step_type, workflow_version FROM workflow_steps WHERE workflow_id = ? ORDER BY step_order',
      [created.body.id],
    );
    expect(steps).toEqual([
      expect.objectContaining({
        step_order: 1,
        step_name: 'fetch_list',
        step_type: 'FETCH',
        workflow_version: 1,
      }),
      expect.objectContaining({
        step_order: 2,
        step_name: 'parse_items',
        step_type: 'PARSE',
        workflow_version: 1,
      }),
    ]);
  });

  it('answers an invalid definition with 400 and the JSON path of the error', async () => {
    const { call } = api();
    const badType = structuredClone(SEED_EXAMPLE_DEFINITION) as { steps: Array<Record<string, unknown>> };
    badType.steps[1].type = 'SCRAPE';
    expectBadRequest(
      await call('POST', '/api/workflows', {
        workflow_name: 'bad',
        workflow_type: 'FULL_SCAN',
        workflow_definition: badType,
      }),
      'body.workflow_definition.steps[1].type',
    );
    const badSelector = structuredClone(SEED_EXAMPLE_DEFINITION);
    badSelector.steps[1].config.selectors = {
      items: '.product-item',
      name: '.title',
      price: '.price[',
    };
    expectBadRequest(
      await call('POST', '/api/workflows', {
        workflow_name: 'bad',
        workflow_type: 'FULL_SCAN',
        workflow_definition: badSelector,
      }),
      'body.workflow_definition.steps[1].config.selectors.price',
    );
    expectBadRequest(
      await call('POST', '/api/workflows', {
        workflow_name: 'bad',
        workflow_type: 'DAILY',
        workflow_definition: SEED_EXAMPLE_DEFINITION,
      }),
      'body.workflow_type',
    );
    expectBadRequest(
      await call('POST', '/api/workflows', { workflow_name: 'bad', workflow_type: 'FULL_SCAN' }),
      'body.workflow_definition',
    );
  });

  it('makes version 2 on PUT and keeps version 1 readable', async () => {
    const { call, db, createWorkflow } = api();
    const workflowId = await createWorkflow({ workflow_type: 'INCREMENTAL' });
    const changed = structuredClone(SEED_EXAMPLE_DEFINITION);
    changed.steps[0].config.max_pages = 5;
    const put = await call('PUT', `/api/workflows/${workflowId}`, { workflow_definition: changed });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: workflowId, version: 2, workflow_definition: changed });
    const again = await call('PUT', `/api/workflows/${workflowId}`, {
      workflow_definition: changed,
      is_active: true,
    });
    expect(again.body.version).toBe(2);

    expect((await call('GET', `/api/workflows/${workflowId}`)).body).toMatchObject({
      version: 2,
      workflow_definition: changed,
    });
    const old = await call('GET', `/api/workflows/${workflowId}?version=1`);
    expect(old.status).toBe(200);
    expect(old.body).toMatchObject({
      id: workflowId,
      version: 1,
      latest_version: 2,
      workflow_definition: SEED_EXAMPLE_DEFINITION,
    });
    expect((await call('GET', `/api/workflows/${workflowId}?version=3`)).status).toBe(404);

    const versions = await db.dataSource.query<Array<{ workflow_version: number; n: string }>>(
      'SELECT workflow_version, COUNT(*) AS n FROM workflow_steps WHERE workflow_id = ? GROUP BY workflow_version ORDER BY workflow_version',
      [workflowId],
    );
    expect(versions.map((v) => [Number(v.workflow_version), Number(v.n)])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expectBadRequest(
      await call('PUT', `/api/workflows/${workflowId}`, { workflow_definition: { steps: [] } }),
      'body.workflow_definition.steps',
    );
    expect((await call('PUT', '/api/workflows/999999', { workflow_name: 'x' })).status).toBe(404);
  });

  it('lists workflows and answers 404 for unknown ones', async () => {
    const { call, createWorkflow } = api();
    const workflowId = await createWorkflow();
    const list = await call('GET', '/api/workflows?limit=10');
    expect(list.body.data.map((w: { id: string }) => w.id)).toContain(workflowId);
    expect(list.body.next_cursor).toBeNull();
    expect((await call('GET', '/api/workflows/999999')).status).toBe(404);
  });
});
