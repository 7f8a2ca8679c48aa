import { API_TEST_TOKEN as TOKEN, useApiHarness } from '../testing/api-harness';

describe('API access', () => {
  const api = useApiHarness('access-int-spec');

  it('answers 401 without a token or with a wrong one, and serves the right one', async () => {
    const { call } = api();
    const missing = await call('GET', '/api/sources', undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect((await call('GET', '/api/sources', undefined, 'wrong')).status).toBe(401);
    expect((await call('GET', '/api/sources', undefined, `${TOKEN}x`)).status).toBe(401);
    expect((await call('POST', '/api/sources', { name: 'x' }, null)).status).toBe(401);
    expect((await call('GET', '/api/sources')).status).toBe(200);
  });

  it('leaves /health and /metrics open', async () => {
    const { call } = api();
    expect((await call('GET', '/health/live', undefined, null)).status).toBe(200);
    expect((await call('GET', '/metrics', undefined, null)).status).toBe(200);
  });

  it('serves the OpenAPI document behind the token', async () => {
    const { call, base } = api();
    expect((await call('GET', '/api/docs-json', undefined, null)).status).toBe(401);
    const docs = await call('GET', '/api/docs-json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/workflows',
        '/api/workflows/{id}',
        '/api/jobs/{id}/cancel',
        '/api/queues',
      ]),
    );
    const ui = await fetch(`${base}/api/docs`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});
