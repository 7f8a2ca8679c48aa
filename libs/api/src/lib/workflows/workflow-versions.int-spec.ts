import { SEED_EXAMPLE_DEFINITION } from '@crawlflow/contracts';
import { expectBadRequest, useApiHarness } from '../testing/api-harness';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('GET /api/workflows/:id/versions', () => {
  const api = useApiHarness('workflow-versions-int-spec');

  it('lists every version newest first, the current one marked', async () => {
    const { call, createWorkflow } = api();
    const workflowId = await createWorkflow();
    for (const maxPages of [5, 7]) {
      const changed = structuredClone(SEED_EXAMPLE_DEFINITION);
      changed.steps[0].config.max_pages = maxPages;
      const put = await call('PUT', `/api/workflows/${workflowId}`, { workflow_definition: changed });
      expect(put.status).toBe(200);
    }
    // A change that leaves the definition as it is makes no version.
    expect((await call('PUT', `/api/workflows/${workflowId}`, { is_active: false })).status).toBe(200);
    const other = await createWorkflow();

    const answer = await call('GET', `/api/workflows/${workflowId}/versions`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      data: [
        { version: 3, created_at: expect.stringMatching(ISO_TIME), is_current: true },
        { version: 2, created_at: expect.stringMatching(ISO_TIME), is_current: false },
        { version: 1, created_at: expect.stringMatching(ISO_TIME), is_current: false },
      ],
      next_cursor: null,
    });
    const times = answer.body.data.map((row: { created_at: string }) => Date.parse(row.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(Math.abs(times[0] - Date.now())).toBeLessThan(60_000);

    // The definition of a listed version is where the route's summary says.
    const second = await call('GET', `/api/workflows/${workflowId}?version=2`);
    expect(second.body.workflow_definition.steps[0].config.max_pages).toBe(5);

    expect((await call('GET', `/api/workflows/${other}/versions`)).body.data).toEqual([
      { version: 1, created_at: expect.stringMatching(ISO_TIME), is_current: true },
    ]);
  });

  it('answers 404 for a workflow that does not exist, as GET /api/workflows/:id does', async () => {
    const { call } = api();
    const missing = await call('GET', '/api/workflows/987654/versions');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual((await call('GET', '/api/workflows/987654')).body);
    expect(missing.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'workflow 987654 does not exist',
    });
    expectBadRequest(await call('GET', '/api/workflows/abc/versions'), 'params.id');
    expect((await call('GET', '/api/workflows/987654/versions', undefined, null)).status).toBe(401);
  });
});
