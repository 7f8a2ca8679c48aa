import { SEED_EXAMPLE_DEFINITION } from '@crawlflow/contracts';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { crawlCheckers } from '@crawlflow/crawl';
import { DbModule } from '@crawlflow/db';
import { MessagingModule } from '@crawlflow/messaging';
import { ObservabilityModule } from '@crawlflow/observability';
import { createTestDatabase, createTestVhost, TestDatabase, TestVhost, waitFor } from '@crawlflow/testing';
import { ApiModule } from './api.module';

const TOKEN = 'api-int-spec-token';

@Module({})
class TestRoot {
  static forRoot(db: TestDatabase, vhost: TestVhost): DynamicModule {
    return {
      module: TestRoot,
      imports: [
        DbModule.forRoot(db.config),
        MessagingModule.forRoot({ url: vhost.url, name: 'api-int-spec' }),
        ObservabilityModule.forRoot({ app: 'orchestrator', logLevel: 'error' }),
        ApiModule.forRoot({ apiToken: TOKEN, checkers: crawlCheckers, keyMetricsIntervalMs: 200 }),
      ],
    };
  }
}

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
  body: any;
  headers: Headers;
}

describe('control-plane API', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let app: INestApplication;
  let base: string;

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token: string | null = TOKEN,
  ): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (metrics)
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };

  const expectBadRequest = (answer: Answer, path: string): void => {
    expect({ status: answer.status, path: answer.body.path }).toEqual({ status: 400, path });
    expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(answer.body.message).toContain(path);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    vhost = await createTestVhost();
    app = await NestFactory.create(TestRoot.forRoot(db, vhost), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await vhost?.delete();
  });

  describe('authentication', () => {
    it('answers 401 without a token or with a wrong one, and serves the right one', async () => {
      const missing = await call('GET', '/api/sources', undefined, null);
      expect(missing.status).toBe(401);
      expect(missing.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect((await call('GET', '/api/sources', undefined, 'wrong')).status).toBe(401);
      expect((await call('GET', '/api/sources', undefined, `${TOKEN}x`)).status).toBe(401);
      expect((await call('POST', '/api/sources', { name: 'x' }, null)).status).toBe(401);
      expect((await call('GET', '/api/sources')).status).toBe(200);
    });

    it('leaves /health and /metrics open', async () => {
      expect((await call('GET', '/health/live', undefined, null)).status).toBe(200);
      expect((await call('GET', '/metrics', undefined, null)).status).toBe(200);
    });

    it('serves the OpenAPI document behind the token', async () => {
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

  describe('sources, target types and targets', () => {
    it('pages through 7 sources 3 + 3 + 1 with opaque cursors', async () => {
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
        const page: Answer = await call('GET', `/api/sources?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        sizes.push(page.body.data.length);
        names.push(...page.body.data.map((source: { name: string }) => source.name));
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(sizes).toEqual([3, 3, 1]);
      expect(names).toEqual(['page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6', 'page-7']);
    });

    it('refuses bad page parameters naming them', async () => {
      expectBadRequest(await call('GET', '/api/sources?limit=0'), 'query.limit');
      expectBadRequest(await call('GET', '/api/sources?limit=501'), 'query.limit');
      expectBadRequest(await call('GET', '/api/sources?cursor=garbage'), 'query.cursor');
    });

    it('creates a source as its row, and refuses bad or duplicate input', async () => {
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
      expect(
        (await call('POST', '/api/sources', { name: 'shop', base_url: 'http://127.0.0.1/' })).status,
      ).toBe(409);
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
      const response = await fetch(`${base}/api/sources`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: '{"name": ',
      });
      expect(response.status).toBe(400);
      const errorBody = await response.json();
      expect(errorBody).toMatchObject({ statusCode: 400, error: 'Bad Request', path: 'body' });
    });

    it('creates target types and targets', async () => {
      const source = await call('POST', '/api/sources', {
        name: 'targets-src',
        base_url: 'http://127.0.0.1/t',
      });
      const type = await call('POST', '/api/target-types', { code: 'product', name: 'Product' });
      expect(type.status).toBe(201);
      expect((await call('POST', '/api/target-types', { code: 'product', name: 'Again' })).status).toBe(409);
      expect(
        (await call('GET', '/api/target-types')).body.data.map((t: { code: string }) => t.code),
      ).toContain('product');
      const target = await call('POST', '/api/targets', {
        source_id: source.body.id,
        target_type_id: type.body.id,
        url: 'http://127.0.0.1/t/item/1',
        attributes: { sku: 'A-1' },
      });
      expect(target.status).toBe(201);
      expect(target.body).toMatchObject({
        source_id: source.body.id,
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
      const list = await call('GET', `/api/targets?source_id=${source.body.id}`);
      expect(list.body).toEqual({
        data: [expect.objectContaining({ id: target.body.id })],
        next_cursor: null,
      });
    });
  });

  describe('workflows', () => {
    let workflowId: string;

    it("accepts the original design's example definition verbatim as version 1", async () => {
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
      workflowId = created.body.id;
      const steps = await db.dataSource.query<
        Array<{ step_order: number; step_name: string; step_type: string }>
      >(
        'SELECT step_order, step_name, step_type, workflow_version FROM workflow_steps WHERE workflow_id = ? ORDER BY step_order',
        [workflowId],
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
      } as never;
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
      const list = await call('GET', '/api/workflows?limit=10');
      expect(list.body.data.map((w: { id: string }) => w.id)).toContain(workflowId);
      expect(list.body.next_cursor).toBeNull();
      expect((await call('GET', '/api/workflows/999999')).status).toBe(404);
    });
  });

  describe('jobs', () => {
    let workflowId: string;
    let targetId: string;

    beforeAll(async () => {
      const source = await call('POST', '/api/sources', {
        name: 'jobs-src',
        base_url: 'http://127.0.0.1/jobs',
      });
      const target = await call('POST', '/api/targets', {
        source_id: source.body.id,
        url: 'http://127.0.0.1/jobs/1',
      });
      targetId = target.body.id;
      const workflow = await call('POST', '/api/workflows', {
        source_id: source.body.id,
        workflow_name: 'jobs workflow',
        workflow_type: 'FULL_SCAN',
        workflow_definition: SEED_EXAMPLE_DEFINITION,
      });
      workflowId = workflow.body.id;
    });

    it('starts a job of a workflow with 202, once per idempotency key', async () => {
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
      const listed = await call('GET', `/api/jobs?status=PENDING&workflow_id=${workflowId}`);
      expect(listed.status).toBe(200);
      expect(listed.body.data.length).toBe(2);
      expect(listed.body.data.every((job: { status: string }) => job.status === 'PENDING')).toBe(true);
      expect((await call('GET', `/api/jobs?status=SUCCESS&workflow_id=${workflowId}`)).body.data).toEqual([]);
      expectBadRequest(await call('GET', '/api/jobs?status=DONE'), 'query.status');
      const jobId = listed.body.data[0].id;
      await db.dataSource.query(
        'UPDATE crawling_jobs SET total_items = 8, processed_items = 2 WHERE id = ?',
        [jobId],
      );
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
      const job = await call('POST', `/api/workflows/${workflowId}/jobs`, {});
      const cancelled = await call('POST', `/api/jobs/${job.body.id}/cancel`);
      expect(cancelled.status).toBe(202);
      expect(cancelled.body).toMatchObject({ id: job.body.id, status: 'CANCELLED' });
      expect((await call('POST', `/api/jobs/${job.body.id}/cancel`)).status).toBe(409);
      expect((await call('POST', `/api/jobs/${job.body.id}/pause`)).status).toBe(409);
      expect((await call('POST', `/api/jobs/${job.body.id}/resume`)).status).toBe(409);
      expect((await call('POST', `/api/jobs/${job.body.id}/retry`)).status).toBe(409); // no failed tasks
      await db.dataSource.query(
        "INSERT INTO crawling_tasks (job_id, task_type, status, sequence_number, step_order) VALUES (?, 'FETCH', 'FAILED', 1, 1)",
        [job.body.id],
      );
      const retry = await call('POST', `/api/jobs/${job.body.id}/retry`);
      expect(retry.status).toBe(202);
      expect(retry.body).toMatchObject({ job_type: 'RETRY', status: 'PENDING', workflow_id: workflowId });
      expect(retry.body.id).not.toBe(job.body.id);
      for (const action of ['cancel', 'pause', 'resume', 'retry']) {
        expect((await call('POST', `/api/jobs/999999/${action}`)).status).toBe(404);
      }
    });

    it("lists a job's tasks and the last step's records as its items", async () => {
      const job = await call('POST', `/api/workflows/${workflowId}/jobs`, {});
      const insertTask = (sequence: number, stepOrder: number, records: unknown[]): Promise<unknown> =>
        db.dataSource.query(
          "INSERT INTO crawling_tasks (job_id, task_type, status, sequence_number, step_order, output_data) VALUES (?, ?, 'SUCCESS', ?, ?, ?)",
          [
            job.body.id,
            stepOrder === 1 ? 'FETCH' : 'PARSE',
            sequence,
            stepOrder,
            JSON.stringify({ records }),
          ],
        );
      await insertTask(1, 1, [{ ignored: true }]);
      await insertTask(2, 2, [{ name: 'a' }, { name: 'b' }]);
      await insertTask(3, 2, [{ name: 'c' }, { name: 'd' }, { name: 'e' }]);

      const tasks = await call('GET', `/api/jobs/${job.body.id}/tasks?limit=2`);
      expect(tasks.body.data).toHaveLength(2);
      expect(tasks.body.data[1].output_data).toEqual({ records: [{ name: 'a' }, { name: 'b' }] });
      const rest = await call(
        'GET',
        `/api/jobs/${job.body.id}/tasks?limit=2&cursor=${tasks.body.next_cursor}`,
      );
      expect(rest.body.data).toHaveLength(1);
      expect(rest.body.next_cursor).toBeNull();

      const first = await call('GET', `/api/jobs/${job.body.id}/items?limit=4`);
      expect(first.body.source).toBe('task_output');
      expect(first.body.data.map((item: { data: { name: string } }) => item.data.name)).toEqual([
        'a',
        'b',
        'c',
        'd',
      ]);
      const second = await call(
        'GET',
        `/api/jobs/${job.body.id}/items?limit=4&cursor=${first.body.next_cursor}`,
      );
      expect(second.body).toMatchObject({
        data: [expect.objectContaining({ data: { name: 'e' } })],
        next_cursor: null,
      });
      expect((await call('GET', '/api/jobs/999999/tasks')).status).toBe(404);
      expect((await call('GET', '/api/jobs/999999/items')).status).toBe(404);
    });

    it('answers stored items from crawled_items when the job stored any', async () => {
      const job = await call('POST', `/api/workflows/${workflowId}/jobs`, {});
      for (const key of ['k1', 'k2']) {
        await db.dataSource.query(
          'INSERT INTO crawled_items (workflow_id, job_id, item_key, data, content_hash) VALUES (?, ?, ?, ?, ?)',
          [workflowId, job.body.id, key, JSON.stringify({ key }), 'x'.repeat(64)],
        );
      }
      const items = await call('GET', `/api/jobs/${job.body.id}/items`);
      expect(items.body).toMatchObject({
        source: 'crawled_items',
        next_cursor: null,
        data: [
          expect.objectContaining({ item_key: 'k1', data: { key: 'k1' }, job_id: job.body.id }),
          expect.objectContaining({ item_key: 'k2', data: { key: 'k2' } }),
        ],
      });
    });

    it('answers job statistics, failure alerts and queue depth', async () => {
      await db.dataSource.query(
        "UPDATE crawling_jobs SET status = 'FAILED', started_at = NOW() - INTERVAL 5 SECOND, completed_at = NOW() WHERE workflow_id = ? AND status = 'PENDING'",
        [workflowId],
      );
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

      await db.dataSource.query(
        "INSERT INTO crawling_queues (queue_type, stage, job_id, task_id, priority, status) VALUES ('HIGH_PRIORITY', 'FETCH', 1, 1, 9, 'WAITING')",
      );
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

  describe('schedules and execution controls', () => {
    let workflowId: string;

    beforeAll(async () => {
      const created = await call('POST', '/api/workflows', {
        workflow_name: 'controls-wf',
        workflow_type: 'FULL_SCAN',
        workflow_definition: {
          steps: [
            { name: 'fetch', type: 'FETCH', config: { url_pattern: 'http://127.0.0.1/x' } },
            { name: 'parse', type: 'PARSE', config: { selectors: { title: 'h1' } } },
          ],
        },
      });
      workflowId = created.body.id as string;
    });

    it('creates, reads (with the next 5 fire times), pauses, fires and deletes a schedule', async () => {
      const created = await call('POST', '/api/schedules', {
        workflow_id: workflowId,
        schedule_type: 'FIXED',
        cron_expression: '0 9 * * 1-5',
        timezone: 'Asia/Seoul',
        priority: 8,
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const detail = await call('GET', `/api/schedules/${id}`);
      expect(detail.status).toBe(200);
      expect(detail.body.next_fire_times).toHaveLength(5);
      const paused = await call('PATCH', `/api/schedules/${id}`, { is_active: false });
      expect(paused.body.is_active).toBe(false);
      const fired = await call('POST', `/api/schedules/${id}/fire`);
      expect(fired.status).toBe(202);
      expect(fired.body.job_id).toMatch(/^\d+$/);
      expect((await call('GET', '/api/schedules')).body.data.map((s: { id: string }) => s.id)).toContain(id);
      expect((await call('DELETE', `/api/schedules/${id}`)).status).toBe(204);
      expect((await call('GET', '/api/schedules')).body.data.map((s: { id: string }) => s.id)).not.toContain(
        id,
      );
      expect((await call('GET', '/api/schedules/999999')).status).toBe(404);
    });

    it('refuses an invalid cron expression or time zone with the reason', async () => {
      const badCron = await call('POST', '/api/schedules', {
        workflow_id: workflowId,
        schedule_type: 'FIXED',
        cron_expression: '61 * * * *',
      });
      expect(badCron.status).toBe(400);
      expect(badCron.body.path).toBe('body.cron_expression');
      const badZone = await call('POST', '/api/schedules', {
        workflow_id: workflowId,
        schedule_type: 'FIXED',
        cron_expression: '0 * * * *',
        timezone: 'Mars/Olympus',
      });
      expect(badZone.status).toBe(400);
      expect(badZone.body.path).toBe('body.timezone');
    });

    it('sets parallelism and resource pools', async () => {
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
});
