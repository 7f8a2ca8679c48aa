import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createTestDatabase,
  createTestVhost,
  EngineSide,
  insertSource,
  insertWorkflowWithDefinition,
  RoutedServer,
  startEngineSide,
  startRoutedServer,
  startStepWorkers,
  StepWorkers,
  TestDatabase,
  TestVhost,
  waitFor,
} from '@crawlflow/testing';
import { createJob } from '../jobs/job-factory';

jest.setTimeout(120_000);

const PRODUCTS = [1, 2, 3, 4, 5];

const DEFINITION = {
  steps: [
    { name: 'fetch_list', type: 'FETCH', config: { url_pattern: '{base_url}/list' } },
    {
      name: 'parse_list',
      type: 'PARSE',
      config: {
        parser: 'html',
        selectors: { items: 'li', name: '.name', url: { selector: 'a', attr: 'href', type: 'url' } },
      },
    },
    { name: 'fetch_detail', type: 'FETCH', config: { url_field: 'url' } },
    {
      name: 'parse_detail',
      type: 'PARSE',
      config: { parser: 'html', selectors: { sku: '.sku', price: { selector: '.price', type: 'number' } } },
    },
    { name: 'store', type: 'STORE', config: { key: 'sku' }, error_handling: 'FAIL' },
  ],
};

/**
 * INCREMENTAL over a site whose every page has an ETag, as CDNs send them: the list page does not
 * change when one product's price does.
 */
describe('INCREMENTAL jobs behind an unchanged list page', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let engine: EngineSide;
  let workers: StepWorkers;
  let site: RoutedServer;
  let workflowId: string;
  const prices = new Map(PRODUCTS.map((id) => [id, 100 * id]));
  /** Status each request answered, in order: `/product/3 200`. */
  const answers: string[] = [];

  function withEtag(path: string, etag: string, body: string) {
    return (req: IncomingMessage, res: ServerResponse): void => {
      if (req.headers['if-none-match'] === etag) {
        answers.push(`${path} 304`);
        return void res.writeHead(304, { etag }).end();
      }
      answers.push(`${path} 200`);
      res.writeHead(200, { etag, 'content-type': 'text/html' }).end(body);
    };
  }

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    site = await startRoutedServer();
    const list = PRODUCTS.map(
      (id) => `<li><a href="/product/${id}"><span class="name">Product ${id}</span></a></li>`,
    );
    site.routes.set('/list', withEtag('/list', '"list-v1"', `<ul>${list.join('')}</ul>`));
    for (const id of PRODUCTS) {
      site.routes.set(`/product/${id}`, (req, res) => {
        const price = prices.get(id) ?? 0;
        withEtag(
          `/product/${id}`,
          `"p${id}-${price}"`,
          `<p class="sku">P-${id}</p><p class="price">${price}</p>`,
        )(req, res);
      });
    }
    engine = await startEngineSide(db.dataSource, vhost.url);
    workers = await startStepWorkers(db.dataSource, vhost.url);
    const source = await insertSource(db.dataSource, site.base);
    workflowId = await insertWorkflowWithDefinition(db.dataSource, DEFINITION, {
      sourceId: source,
      workflowType: 'INCREMENTAL',
    });
  });

  afterAll(async () => {
    await workers?.stop();
    await engine?.stop();
    await site?.close();
    await db?.drop();
    await vhost?.delete();
  });

  async function run(): Promise<{ status: string; parses: number; answers: string[] }> {
    answers.splice(0);
    const { id } = await db.dataSource.transaction((m) => createJob(m, { workflowId }));
    const job = await waitFor(
      async () => {
        const [row] = await db.dataSource.query('SELECT status FROM crawling_jobs WHERE id = ?', [id]);
        return ['SUCCESS', 'FAILED', 'CANCELLED'].includes(row.status) ? row : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `job ${id} to end` },
    );
    const [parses] = await db.dataSource.query(
      "SELECT COUNT(*) AS n FROM crawling_tasks WHERE job_id = ? AND task_type = 'PARSE'",
      [id],
    );
    return { status: job.status, parses: Number(parses.n), answers: [...answers].sort() };
  }

  async function storedPrices(): Promise<Record<string, number>> {
    const rows: Array<{ item_key: string; data: string | Record<string, unknown> }> =
      await db.dataSource.query('SELECT item_key, data FROM crawled_items WHERE workflow_id = ?', [
        workflowId,
      ]);
    return Object.fromEntries(
      rows.map((row) => {
        const data =
          typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data;
        return [row.item_key, Number(data.price)];
      }),
    );
  }

  it('stores a changed product behind an unchanged list; unchanged pages answer 304 and cost no parse', async () => {
    const first = await run();
    expect(first.status).toBe('SUCCESS');
    expect(await storedPrices()).toEqual({ 'P-1': 100, 'P-2': 200, 'P-3': 300, 'P-4': 400, 'P-5': 500 });

    prices.set(3, 333);
    const second = await run();
    expect(second.status).toBe('SUCCESS');
    expect(second.answers).toEqual([
      '/list 304',
      '/product/1 304',
      '/product/2 304',
      '/product/3 200',
      '/product/4 304',
      '/product/5 304',
    ]);
    expect(second.parses).toBe(1); // product 3 only
    expect((await storedPrices())['P-3']).toBe(333);
  });

  it('keeps no validators from a run whose STORE failed: the next run fetches the change in full', async () => {
    prices.set(4, 444);
    // The STORE of this run fails (its table is away), after product 4 was fetched with a new ETag.
    await db.dataSource.query('RENAME TABLE crawled_items TO crawled_items_away');
    let failed: Awaited<ReturnType<typeof run>>;
    try {
      failed = await run();
    } finally {
      await db.dataSource.query('RENAME TABLE crawled_items_away TO crawled_items');
    }
    expect(failed.status).toBe('FAILED');
    expect(failed.answers).toContain('/product/4 200');

    const next = await run();
    expect(next.status).toBe('SUCCESS');
    expect(next.answers).toContain('/product/4 200');
    expect((await storedPrices())['P-4']).toBe(444);
  });
});
