import { SEED_EXAMPLE_DEFINITION } from '@crawlflow/contracts';
import { startSampleShop, type SampleShop } from '@crawlflow/sample-shop';
import {
  createTestDatabase,
  createTestVhost,
  EngineSide,
  insertSource,
  insertWorkflowWithDefinition,
  startEngineSide,
  startStepWorkers,
  StepWorkers,
  TestDatabase,
  TestVhost,
  holdsFor,
  waitFor,
  connectTestBroker,
} from '@crawlflow/testing';
import { createJob } from '../jobs/job-factory';
import { cancelJob, pauseJob, resumeJob, retryJob } from './job-controls';

jest.setTimeout(180_000);

const LIST_DETAIL_STORE = (detail: Record<string, unknown> = {}) => ({
  steps: [
    {
      name: 'fetch_list',
      type: 'FETCH',
      config: { url_pattern: '{base_url}/list?page={page}', pagination: true, max_pages: 100 },
    },
    {
      name: 'parse_list',
      type: 'PARSE',
      config: {
        parser: 'html',
        selectors: {
          items: '.product-item',
          name: '.title',
          detail_url: { selector: 'a.link', attr: 'href', type: 'url' },
        },
      },
    },
    { name: 'fetch_detail', type: 'FETCH', config: { url_field: 'detail_url' }, ...detail },
    {
      name: 'parse_detail',
      type: 'PARSE',
      config: {
        parser: 'html',
        selectors: {
          sku: '.sku',
          price: { selector: '.price', type: 'number' },
          description: '.description',
        },
      },
    },
    { name: 'store', type: 'STORE', config: { key: 'sku' } },
  ],
});

describe('workflow engine over the real transport and a local shop', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let engine: EngineSide;
  let workers: StepWorkers;
  let shop: SampleShop;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    engine = await startEngineSide(db.dataSource, vhost.url);
    workers = await startStepWorkers(db.dataSource, vhost.url);
  });

  afterEach(async () => {
    await shop?.close();
  });

  afterAll(async () => {
    await workers?.stop();
    await engine?.stop();
    await db?.drop();
    await vhost?.delete();
  });

  /** A workflow with 64 tasks in flight per job: the design's default of 10 would make big jobs slow. */
  async function wideWorkflow(...args: Parameters<typeof insertWorkflowWithDefinition>): Promise<string> {
    const workflowId = await insertWorkflowWithDefinition(...args);
    await db.dataSource.query(
      'INSERT INTO parallel_execution_config (workflow_id, max_parallel_jobs, max_parallel_tasks) VALUES (?, 5, 64)',
      [workflowId],
    );
    return workflowId;
  }

  async function runJob(workflowId: string, params: Record<string, unknown> = {}): Promise<string> {
    const { id } = await db.dataSource.transaction((m) => createJob(m, { workflowId, params }));
    return id;
  }

  async function job(id: string): Promise<Record<string, any>> {
    const [row] = await db.dataSource.query('SELECT * FROM crawling_jobs WHERE id = ?', [id]);
    return row;
  }

  async function finished(id: string, timeoutMs = 120_000): Promise<Record<string, any>> {
    return waitFor(
      async () => {
        const row = await job(id);
        return ['SUCCESS', 'FAILED', 'CANCELLED'].includes(row.status) ? row : undefined;
      },
      { timeoutMs, intervalMs: 200, what: `job ${id} to finish` },
    );
  }

  async function execution(id: string): Promise<{ status: string; context: any; step_results: any }> {
    const [row] = await db.dataSource.query(
      'SELECT status, context, step_results FROM workflow_executions WHERE job_id = ?',
      [id],
    );
    return {
      status: row.status,
      context: JSON.parse(row.context),
      step_results: JSON.parse(row.step_results),
    };
  }

  it("runs the original design's example verbatim: 50 list pages × 20 items, stopped by page 51 answering 404", async () => {
    shop = await startSampleShop({ pages: 50, itemsPerPage: 20 });
    const source = await insertSource(db.dataSource, shop.url);
    const workflowId = await insertWorkflowWithDefinition(db.dataSource, SEED_EXAMPLE_DEFINITION, {
      sourceId: source,
    });
    const id = await runJob(workflowId);
    const row = await finished(id);
    const { context, step_results } = await execution(id);
    const records: Array<{ output_data: string }> = await db.dataSource.query(
      "SELECT output_data FROM crawling_tasks WHERE job_id = ? AND task_type = 'PARSE' AND status = 'SUCCESS'",
      [id],
    );
    const recordCount = records.reduce((n, r) => n + (JSON.parse(r.output_data).records?.length ?? 0), 0);
    expect(row.status).toBe('SUCCESS');
    expect(context.items_processed).toBe(1000);
    expect(recordCount).toBe(1000);
    expect(context.pagination.stopped_at).toBe(51);
    expect(shop.hits.get('/list?page=51')).toBe(1);
    expect(shop.hits.get('/list?page=50')).toBe(1);
    expect(row.processed_items).toBe(row.total_items);
    expect(row.success_count).toBe(row.total_items);
    expect(step_results.parse_items.records).toBe(1000);
  });

  it('gives records their provenance ($page.url, fetched_at, status, number) and stores them by page URL', async () => {
    shop = await startSampleShop({ pages: 3, itemsPerPage: 4 });
    const source = await insertSource(db.dataSource, shop.url);
    const definition = LIST_DETAIL_STORE();
    type Config = { selectors: Record<string, unknown>; key: string };
    const [, parseList, , parseDetail, store] = definition.steps as unknown as Array<{ config: Config }>;
    parseList.config.selectors.list_page = '$page.number';
    parseList.config.selectors.list_url = '$page.url';
    parseDetail.config.selectors = {
      url: '$page.url',
      fetched_at: '$page.fetched_at',
      status: '$page.status',
      price: { selector: '.price', type: 'number' },
    };
    store.config.key = 'url';
    const workflowId = await insertWorkflowWithDefinition(db.dataSource, definition, { sourceId: source });
    const started = Date.now() - 1000;
    const id = await runJob(workflowId);
    expect((await finished(id)).status).toBe('SUCCESS');
    const items: Array<{ item_key: string; data: string | Record<string, unknown> }> =
      await db.dataSource.query('SELECT item_key, data FROM crawled_items WHERE job_id = ? ORDER BY id', [
        id,
      ]);
    expect(items).toHaveLength(12);
    for (const item of items) {
      const data = (typeof item.data === 'string' ? JSON.parse(item.data) : item.data) as Record<
        string,
        unknown
      >;
      const itemId = Number(/\/item\/(\d+)$/.exec(String(data.url))?.[1]);
      const listPage = Math.ceil(itemId / 4);
      expect(data).toMatchObject({
        url: `${shop.url}/item/${itemId}`,
        status: 200,
        list_page: listPage,
        list_url: `${shop.url}/list?page=${listPage}`,
      });
      expect(Date.parse(String(data.fetched_at))).toBeGreaterThanOrEqual(started);
      expect(Date.parse(String(data.fetched_at))).toBeLessThanOrEqual(Date.now());
      expect(item.item_key).toBe(data.url);
    }
  });

  it('publishes job.started and job.succeeded on crawl.events for a full run', async () => {
    shop = await startSampleShop({ pages: 2, itemsPerPage: 5 });
    const connection = await connectTestBroker(vhost.url);
    try {
      const channel = await connection.createChannel();
      await channel.assertExchange('crawl.events', 'topic', { durable: true });
      const { queue } = await channel.assertQueue('', { exclusive: true });
      await channel.bindQueue(queue, 'crawl.events', 'job.*');
      const events: Array<{ key: string; body: Record<string, any> }> = [];
      await channel.consume(
        queue,
        (message) => {
          if (message)
            events.push({ key: message.fields.routingKey, body: JSON.parse(message.content.toString()) });
        },
        { noAck: true },
      );
      const source = await insertSource(db.dataSource, shop.url);
      const workflowId = await insertWorkflowWithDefinition(db.dataSource, SEED_EXAMPLE_DEFINITION, {
        sourceId: source,
      });
      const id = await runJob(workflowId);
      await finished(id);
      const mine = await waitFor(
        () => {
          const found = events.filter((e) => e.body.job_id === id);
          return found.length >= 2 ? found : undefined;
        },
        { what: 'the start and end events' },
      );
      expect(mine.map((e) => e.key)).toEqual(['job.started', 'job.succeeded']);
      expect(mine[1].body).toMatchObject({ job_id: id, workflow_id: workflowId, status: 'SUCCESS' });
      expect(mine[1].body.counts.processed_items).toBe(mine[1].body.counts.total_items);
      expect(mine[1].body.completed_at).toEqual(expect.any(String));
    } finally {
      await connection.close();
    }
  });

  it('fans out 50 list pages into 1,000 detail fetches, parsed and stored; counts match the rows', async () => {
    shop = await startSampleShop({ pages: 50, itemsPerPage: 20 });
    const source = await insertSource(db.dataSource, shop.url);
    const workflowId = await wideWorkflow(db.dataSource, LIST_DETAIL_STORE(), {
      sourceId: source,
    });
    const id = await runJob(workflowId);
    const row = await finished(id);
    const [items] = await db.dataSource.query(
      'SELECT COUNT(*) AS n FROM crawled_items WHERE workflow_id = ?',
      [workflowId],
    );
    const [tasks] = await db.dataSource.query(
      "SELECT COUNT(*) AS n, SUM(status = 'SUCCESS') AS ok FROM crawling_tasks WHERE job_id = ?",
      [id],
    );
    const { context } = await execution(id);
    expect(row.status).toBe('SUCCESS');
    expect(Number(items.n)).toBe(1000);
    expect(context.stored.inserted).toBe(1000);
    expect(row.total_items).toBe(Number(tasks.n));
    expect(row.success_count).toBe(Number(tasks.ok));
    expect([...shop.hits.keys()].filter((k) => k.startsWith('/item/')).length).toBe(1000);
    const [sample] = await db.dataSource.query(
      "SELECT data FROM crawled_items WHERE workflow_id = ? AND item_key = 'SKU-00042'",
      [workflowId],
    );
    const data = typeof sample.data === 'string' ? JSON.parse(sample.data) : sample.data;
    expect(data).toMatchObject({
      name: 'Product 42',
      sku: 'SKU-00042',
      description: 'A fine product number 42.',
    });
    expect(typeof data.price).toBe('number');
  });

  it('crawls a site with cycles and repeated links, fetching every page exactly once', async () => {
    shop = await startSampleShop();
    const source = await insertSource(db.dataSource, shop.url);
    const workflowId = await insertWorkflowWithDefinition(
      db.dataSource,
      {
        steps: [
          {
            name: 'crawl',
            type: 'FETCH',
            config: {
              url_pattern: '{base_url}/site/0',
              crawl: { scope: 'prefix', prefix: '{base_url}/site', max_depth: 10, max_pages: 100 },
            },
          },
          {
            name: 'parse_page',
            type: 'PARSE',
            config: { parser: 'html', selectors: { heading: '.heading' } },
          },
        ],
      },
      { sourceId: source },
    );
    const id = await runJob(workflowId);
    const row = await finished(id);
    const sitePages = [...shop.hits.entries()].filter(([k]) => k.startsWith('/site/'));
    expect(row.status).toBe('SUCCESS');
    expect(sitePages.length).toBe(40);
    expect(sitePages.every(([, n]) => n === 1)).toBe(true);
  });

  it('retries a 503 twice then succeeds, exhausts retries on a page that always fails, never retries a 404', async () => {
    shop = await startSampleShop({ pages: 1, itemsPerPage: 20, flaky: { 3: 2 }, broken: { 5: 500, 7: 404 } });
    const source = await insertSource(db.dataSource, shop.url);
    const definition = LIST_DETAIL_STORE({ max_retries: 2, backoff: { base_ms: 200, max_ms: 5000 } });
    const workflowId = await insertWorkflowWithDefinition(db.dataSource, definition, { sourceId: source });
    const started = Date.now();
    const id = await runJob(workflowId);
    const row = await finished(id);
    const seconds = (Date.now() - started) / 1000;
    expect(shop.hits.get('/item/3')).toBe(3);
    expect(shop.hits.get('/item/5')).toBe(3); // first try + max_retries 2
    expect(shop.hits.get('/item/7')).toBe(1);
    expect(row.status).toBe('FAILED');
    expect(row.failed_count).toBe(2);
    expect(row.error_summary).toMatch(/2 task\(s\) failed/);
    const [items] = await db.dataSource.query(
      'SELECT COUNT(*) AS n FROM crawled_items WHERE workflow_id = ?',
      [workflowId],
    );
    expect(Number(items.n)).toBe(18);
    const [broken] = await db.dataSource.query(
      "SELECT retry_count, error_message FROM crawling_tasks WHERE job_id = ? AND target_url LIKE '%/item/5'",
      [id],
    );
    expect(broken.retry_count).toBe(2);
    const times = shop.hitTimes.get('/item/5') ?? [];
    const delays = times.slice(1).map((t, i) => t - times[i]);
    console.log(
      `retry job finished in ${seconds.toFixed(1)} s; /item/5 retried after ${delays.join(' ms, ')} ms: ${broken.error_message}`,
    );
    // Base 200 ms doubling, half of each delay jitter: the first retry waits 100–200 ms, the second
    // 200–400 ms (at least; dispatch adds to both, more under load, so their order is not asserted).
    expect(delays[0]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(200);
  });

  it('SKIP records a failure and carries on; FAIL fails the job and cancels what is outstanding', async () => {
    shop = await startSampleShop({ pages: 3, itemsPerPage: 20, broken: { 5: 500 } });
    const source = await insertSource(db.dataSource, shop.url);
    const skip = await insertWorkflowWithDefinition(
      db.dataSource,
      LIST_DETAIL_STORE({ error_handling: 'SKIP' }),
      { sourceId: source },
    );
    const skipJob = await finished(await runJob(skip));
    expect(skipJob.status).toBe('SUCCESS');
    expect(skipJob.failed_count).toBe(1);
    expect(skipJob.error_summary).toMatch(/skipped/);

    const fail = await insertWorkflowWithDefinition(
      db.dataSource,
      LIST_DETAIL_STORE({ error_handling: 'FAIL' }),
      { sourceId: source },
    );
    const failId = await runJob(fail);
    const failJob = await finished(failId);
    expect(failJob.status).toBe('FAILED');
    expect(failJob.error_summary).toMatch(/FAIL step/);
    const [waiting] = await db.dataSource.query(
      "SELECT COUNT(*) AS n FROM crawling_queues WHERE job_id = ? AND status = 'WAITING'",
      [failId],
    );
    expect(Number(waiting.n)).toBe(0);
  });

  it('pauses and resumes a job, and cancels another mid-run', async () => {
    shop = await startSampleShop({
      pages: 20,
      itemsPerPage: 20,
      slow: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [i + 1, 20])),
    });
    const source = await insertSource(db.dataSource, shop.url);
    const workflowId = await wideWorkflow(db.dataSource, LIST_DETAIL_STORE(), {
      sourceId: source,
    });
    const id = await runJob(workflowId);
    await waitFor(async () => (await job(id)).success_count > 30, { what: 'some progress' });
    await pauseJob(db.dataSource, id);
    expect((await execution(id)).status).toBe('PAUSED');
    // In-flight work settles (nothing dispatched is left), then nothing moves while paused.
    await waitFor(
      async () => {
        const [row] = await db.dataSource.query(
          "SELECT COUNT(*) AS n FROM crawling_queues WHERE job_id = ? AND (status = 'PROCESSING' OR (status = 'WAITING' AND scheduled_for <= NOW(3)))",
          [id],
        );
        return Number(row.n) === 0;
      },
      { intervalMs: 100, what: 'in-flight tasks to settle' },
    );
    const pausedAt = (await job(id)).processed_items;
    await holdsFor(async () => (await job(id)).processed_items === pausedAt, {
      durationMs: 1000,
      what: 'a paused job standing still',
    });
    await resumeJob(db.dataSource, id);
    const done = await finished(id);
    expect(done.status).toBe('SUCCESS');
    expect([...shop.hits.entries()].filter(([, n]) => n !== 1)).toEqual([]);

    const other = await runJob(workflowId);
    await waitFor(async () => (await job(other)).success_count > 20, { what: 'the second job to run' });
    await cancelJob(db.dataSource, other);
    const cancelled = await finished(other);
    expect(cancelled.status).toBe('CANCELLED');
    const [waiting] = await db.dataSource.query(
      "SELECT COUNT(*) AS n FROM crawling_queues WHERE job_id = ? AND status = 'WAITING'",
      [other],
    );
    expect(Number(waiting.n)).toBe(0);
  });

  it('retries exactly the 30 failed detail pages in a RETRY job once the site is fixed', async () => {
    const broken = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [i * 3 + 1, 404]));
    shop = await startSampleShop({ pages: 5, itemsPerPage: 20, broken });
    const source = await insertSource(db.dataSource, shop.url);
    const workflowId = await insertWorkflowWithDefinition(db.dataSource, LIST_DETAIL_STORE(), {
      sourceId: source,
    });
    const first = await finished(await runJob(workflowId));
    expect(first.status).toBe('FAILED');
    expect(first.failed_count).toBe(30);
    shop.fix();
    const before = new Map(shop.hits);
    const { id } = await retryJob(db.dataSource, String(first.id));
    const retried = await finished(id);
    const refetched = [...shop.hits.entries()].filter(
      ([k, n]) => k.startsWith('/item/') && n > (before.get(k) ?? 0),
    );
    expect(retried.status).toBe('SUCCESS');
    expect(retried.job_type).toBe('RETRY');
    expect(refetched.length).toBe(30);
    const [items] = await db.dataSource.query(
      'SELECT COUNT(*) AS n FROM crawled_items WHERE workflow_id = ?',
      [workflowId],
    );
    expect(Number(items.n)).toBe(100);
  });
});
