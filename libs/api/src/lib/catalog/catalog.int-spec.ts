import { API_TEST_TOKEN, ApiAnswer, expectBadRequest, useApiHarness } from '../testing/api-harness';

describe('sources, target types and targets', () => {
  const api = useApiHarness('catalog-int-spec');

  it('pages through 7 sources 3 + 3 + 1 with opaque cursors', async () => {
    const { call } = api();
    for (let i = 1; i <= 7; i += 1) {
      const created = await call('POST', '/api/sources', {
        name: `page-${i}`,
        base_url: `http://127.0.0.1/${i}`,
      });
      expect(created.status).toBe(201);
    }
    const sizes: number[] = [];
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiAnswer = await call('GET', `/api/sources?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      sizes.push(page.body.data.length);
      names.push(...page.body.data.map((source: { name: string }) => source.name));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([3, 3, 1]);
    expect(names).toEqual(['page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6', 'page-7']);
  });

  it('refuses bad page parameters naming them', async () => {
    const { call } = api();
    expectBadRequest(await call('GET', '/api/sources?limit=0'), 'query.limit');
    expectBadRequest(await call('GET', '/api/sources?limit=501'), 'query.limit');
    expectBadRequest(await call('GET', '/api/sources?cursor=garbage'), 'query.cursor');
  });

  it('creates a source as its row, and refuses bad or duplicate input', async () => {
    const { call } = api();
    const created = await call('POST', '/api/sources', {
      name: 'shop',
      base_url: 'http://127.0.0.1:9/shop',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      name: 'shop',
      base_url: 'http://127.0.0.1:9/shop',
    });
    expect((await call('GET', `/api/sources/${created.body.id}`)).body.name).toBe('shop');
    expect((await call('POST', '/api/sources', { name: 'shop', base_url: 'http://127.0.0.1/' })).status).toBe(
      409,
    );
    expectBadRequest(
      await call('POST', '/api/sources', { name: 'x', base_url: 'ftp://host/' }),
      'body.base_url',
    );
    expectBadRequest(await call('POST', '/api/sources', { base_url: 'http://host/' }), 'body.name');
    expectBadRequest(
      await call('POST', '/api/sources', { name: 'x', base_url: 'http://h/', colour: 1 }),
      'body.colour',
    );
    expect((await call('GET', '/api/sources/999999')).status).toBe(404);
    expectBadRequest(await call('GET', '/api/sources/abc'), 'params.id');
  });

  it('answers a body that is not JSON with the same 400 shape', async () => {
    const response = await fetch(`${api().base}/api/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TEST_TOKEN}`, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(response.status).toBe(400);
    const errorBody = await response.json();
    expect(errorBody).toMatchObject({ statusCode: 400, error: 'Bad Request', path: 'body' });
  });

  it('creates target types and targets', async () => {
    const { call, createSource } = api();
    const sourceId = await createSource('targets-src');
    const type = await call('POST', '/api/target-types', { code: 'product', name: 'Product' });
    expect(type.status).toBe(201);
    expect((await call('POST', '/api/target-types', { code: 'product', name: 'Again' })).status).toBe(409);
    expect((await call('GET', '/api/target-types')).body.data.map((t: { code: string }) => t.code)).toContain(
      'product',
    );
    const target = await call('POST', '/api/targets', {
      source_id: sourceId,
      target_type_id: type.body.id,
      url: 'http://127.0.0.1/t/item/1',
      attributes: { sku: 'A-1' },
    });
    expect(target.status).toBe(201);
    expect(target.body).toMatchObject({
      source_id: sourceId,
      target_type_id: type.body.id,
      attributes: { sku: 'A-1' },
    });
    expect(
      (await call('POST', '/api/targets', { source_id: '999999', url: 'http://127.0.0.1/' })).status,
    ).toBe(404);
    expectBadRequest(
      await call('POST', '/api/targets', { source_id: 'abc', url: 'http://127.0.0.1/' }),
      'body.source_id',
    );
    const list = await call('GET', `/api/targets?source_id=${sourceId}`);
    expect(list.body).toEqual({
      data: [expect.objectContaining({ id: target.body.id })],
      next_cursor: null,
    });
  });
});
