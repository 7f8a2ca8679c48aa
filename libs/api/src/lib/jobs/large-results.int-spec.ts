import { SEED_EXAMPLE_DEFINITION } from '@crawlflow/contracts';
import { crawlCheckers } from '@crawlflow/crawl';
import { MessagingModule } from '@crawlflow/messaging';
import { ObservabilityModule } from '@crawlflow/observability';
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
  testDbModule,
} from '@crawlflow/testing';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiModule } from '../api.module';

jest.setTimeout(180_000);

const PRODUCTS = 200;

/** About 150 Hangul syllables per product: three bytes each in UTF-8, one UTF-16 unit each. */
function koreanName(id: number): string {
  const syllables = Array.from({ length: 150 }, (_, i) =>
    String.fromCharCode(0xac00 + ((id * 131 + i * 37) % 11172)),
  );
  return `${id}번 ${syllables.join('')}`;
}

function koreanListPage(): string {
  const items = Array.from(
    { length: PRODUCTS },
    (_, i) =>
      `<li class="product-item"><span class="title">${koreanName(i + 1)}</span><span class="price">₩${(i + 1) * 1000}</span></li>`,
  ).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>목록</title></head><body><ul>${items}</ul></body></html>`;
}

@Module({})
class TestRoot {
  static forRoot(db: TestDatabase, vhost: TestVhost): DynamicModule {
    return {
      module: TestRoot,
      imports: [
        testDbModule(db),
        MessagingModule.forRoot({ url: vhost.url, name: 'large-results-int-spec' }),
        ObservabilityModule.forRoot({ app: 'orchestrator', logLevel: 'error' }),
        ApiModule.forRoot({ checkers: crawlCheckers, keyMetricsIntervalMs: 60_000 }),
      ],
    };
  }
}

/** A Korean shop's list page: 200 products, about 100 KB of records as UTF-8. */
describe('a list page of 200 products with long Korean names', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let engine: EngineSide;
  let workers: StepWorkers;
  let app: INestApplication;
  let base: string;
  let site: RoutedServer;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    site = await startRoutedServer();
    const html = koreanListPage();
    site.routes.set('/list', (req, res) => {
      const page = new URL(req.url ?? '/', site.base).searchParams.get('page');
      if (page !== '1') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    engine = await startEngineSide(db.dataSource, vhost.url);
    workers = await startStepWorkers(db.dataSource, vhost.url);
    app = await NestFactory.create(TestRoot.forRoot(db, vhost), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await workers?.stop();
    await engine?.stop();
    await site?.close();
    await db?.drop();
    await vhost?.delete();
  });

  async function runToEnd(
    definition: Parameters<typeof insertWorkflowWithDefinition>[1],
    body: Record<string, unknown> = {},
  ): Promise<{ status: string; id: string }> {
    const source = await insertSource(db.dataSource, site.base);
    const workflowId = await insertWorkflowWithDefinition(db.dataSource, definition, { sourceId: source });
    const created = await fetch(`${base}/api/workflows/${workflowId}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    return waitFor(
      async () => {
        const job = (await (await fetch(`${base}/api/jobs/${id}`)).json()) as { status: string };
        return ['SUCCESS', 'FAILED', 'CANCELLED'].includes(job.status)
          ? { status: job.status, id }
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `job ${id} to finish` },
    );
  }

  async function allItems(jobId: string): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const answer = await fetch(`${base}/api/jobs/${jobId}/items?limit=70${query}`);
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as {
        data: Array<{ data: Record<string, unknown> }>;
        next_cursor: string | null;
      };
      items.push(...body.data.map((item) => item.data));
      cursor = body.next_cursor;
    } while (cursor);
    return items;
  }

  function expectIntact(items: Array<Record<string, unknown>>): void {
    const bytes = Buffer.byteLength(JSON.stringify(items));
    expect(bytes).toBeGreaterThan(90_000);
    expect(items).toHaveLength(PRODUCTS);
    const byName = new Map(items.map((item) => [item.name, item.price]));
    for (let id = 1; id <= PRODUCTS; id += 1) expect(byName.get(koreanName(id))).toBe(`₩${id * 1000}`);
  }

  it("runs the original design's example verbatim: SUCCESS, and the items route answers all 200 records intact", async () => {
    const { status, id } = await runToEnd(SEED_EXAMPLE_DEFINITION);
    expect(status).toBe('SUCCESS');
    expectIntact(await allItems(id));
  });

  it('stores all 200 records with a STORE step', async () => {
    const definition = {
      steps: [...SEED_EXAMPLE_DEFINITION.steps, { name: 'store', type: 'STORE', config: { key: 'name' } }],
    };
    const { status, id } = await runToEnd(definition);
    expect(status).toBe('SUCCESS');
    expectIntact(await allItems(id));
  });

  it('runs a job whose params fill their TEXT column (the execution context never holds them)', async () => {
    const params = { note: '한'.repeat(21_700) };
    const bytes = Buffer.byteLength(JSON.stringify(params));
    expect(bytes).toBeGreaterThan(65_000);
    expect(bytes).toBeLessThanOrEqual(65_535);
    const { status, id } = await runToEnd(SEED_EXAMPLE_DEFINITION, { params });
    expect(status).toBe('SUCCESS');
    expect(await allItems(id)).toHaveLength(PRODUCTS);
  });
});
