/**
 * Size edges on every route that takes a body: a body over API_BODY_LIMIT_BYTES answers 413 naming
 * the limit and the setting, and a 200 KB string in any field (a body under the limit) answers 4xx,
 * never 500 — a plain column refuses it naming the field, a JSON field stores it or refuses it by name.
 */
import { loadConfig } from '@crawlflow/config';
import { SEED_EXAMPLE_DEFINITION } from '@crawlflow/contracts';
import { crawlCheckers } from '@crawlflow/crawl';
import { MessagingModule } from '@crawlflow/messaging';
import { ObservabilityModule } from '@crawlflow/observability';
// eslint-disable-next-line @nx/enforce-module-boundaries -- spec only: the routes meet the body parsers every app's shell installs, not a copy of them
import { useBodyLimit } from '@crawlflow/shell';
import {
  createTestDatabase,
  createTestVhost,
  TestDatabase,
  TestVhost,
  testDbModule,
} from '@crawlflow/testing';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiModule } from '../api.module';

const TOKEN = 'body-limits-int-spec-token';
/** The default the apps run with. */
const LIMIT = loadConfig('orchestrator', {}).apiBodyLimitBytes;
const BIG = 'x'.repeat(200 * 1024);
const short = (text: unknown): string => String(text).slice(0, 120);
/** 40,000 characters but 80,000 bytes: a TEXT column (65,535 bytes) counts bytes, not characters. */
const WIDE = 'é'.repeat(40_000);

@Module({})
class TestRoot {
  static forRoot(db: TestDatabase, vhost: TestVhost): DynamicModule {
    return {
      module: TestRoot,
      imports: [
        testDbModule(db),
        MessagingModule.forRoot({ url: vhost.url, name: 'body-limits-int-spec' }),
        ObservabilityModule.forRoot({ app: 'orchestrator', logLevel: 'error' }),
        ApiModule.forRoot({ apiToken: TOKEN, checkers: crawlCheckers, triggers: false }),
      ],
    };
  }
}

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
  body: any;
}

type Body = Record<string, unknown>;

interface BodyRoute {
  method: 'POST' | 'PUT' | 'PATCH';
  /** As the OpenAPI document names it (`/api/workflows/{id}`). */
  template: string;
  path: string;
  /** A body the route accepts; every field it documents is present. Fresh per call (unique names). */
  base: () => Body;
  /** A job control: its answer depends on the job's state (409 once it is cancelled). */
  control?: true;
}

/** A definition with a string in every kind of place a definition has one. */
function richDefinitions(): unknown[] {
  const list = {
    steps: [
      {
        name: 'fetch_list',
        type: 'FETCH',
        config: {
          url_pattern: '{base_url}/list?page={page}',
          pagination: true,
          headers: { 'X-Client': 'crawlflow' },
        },
        input_mapping: { region: 'params.region' },
        output_mapping: { page: 'page' },
      },
      {
        name: 'parse_list',
        type: 'PARSE',
        config: {
          parser: 'html',
          selectors: {
            items: '.product-item',
            url: { selector: 'a.link', attr: 'href', type: 'url', default: 'none' },
            title: '.title',
          },
        },
      },
      { name: 'fetch_detail', type: 'FETCH', config: { url_field: 'url' } },
      {
        name: 'parse_detail',
        type: 'PARSE',
        config: { parser: 'json', selectors: { items: '$.items[*]', sku: 'sku', name: '$.name' } },
      },
      {
        name: 'normalise',
        type: 'TRANSFORM',
        config: {
          operations: [
            { op: 'rename', from: 'title', to: 'heading' },
            { op: 'trim', field: 'name' },
            { op: 'regex_replace', field: 'sku', pattern: '[^0-9]', replacement: '-', flags: 'g' },
            { op: 'to_number', field: 'sku' },
            { op: 'template', field: 'label', template: '{name} ({sku})' },
            { op: 'default', field: 'currency', value: 'KRW' },
            { op: 'drop', field: 'heading' },
          ],
        },
      },
      {
        name: 'check',
        type: 'VALIDATE',
        error_handling: 'SKIP',
        config: {
          schema: {
            type: 'object',
            description: 'a product',
            properties: { name: { type: 'string', pattern: '^[A-Z]' } },
          },
        },
      },
      { name: 'store', type: 'STORE', config: { key: 'sku' } },
    ],
  };
  const crawl = {
    steps: [
      {
        name: 'crawl_site',
        type: 'FETCH',
        config: {
          url_pattern: '{base_url}/site/0',
          crawl: {
            scope: 'pattern',
            start_url: '{base_url}/site/0',
            prefix: '{base_url}/site',
            pattern: '^https?://',
            link_selector: 'a[href]',
          },
        },
      },
      { name: 'parse_page', type: 'PARSE', config: { selectors: { heading: '.heading' } } },
    ],
  };
  return [list, crawl];
}

/** Every variant of `value` with one string leaf (or, with `keys`, one object key) replaced by `big`. */
function withBigString(value: unknown, big: string, keys: boolean): Array<{ where: string; value: unknown }> {
  const variants: Array<{ where: string; value: unknown }> = [];
  const walk = (node: unknown, where: string, replace: (next: unknown) => unknown): void => {
    if (typeof node === 'string') {
      variants.push({ where, value: replace(big) });
    } else if (Array.isArray(node)) {
      node.forEach((item, i) =>
        walk(item, `${where}[${i}]`, (next) => replace(node.map((old, j) => (j === i ? next : old)))),
      );
    } else if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      for (const [key, child] of entries) {
        walk(child, `${where}.${key}`, (next) => replace({ ...node, [key]: next }));
        if (!keys) continue;
        const renamed = entries.map(([k, v]) => [k === key ? big : k, v]);
        variants.push({ where: `${where}.<key ${key}>`, value: replace(Object.fromEntries(renamed)) });
      }
    }
  };
  walk(value, '', (next) => next);
  return variants;
}

describe('request size limits', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let app: NestExpressApplication;
  let base: string;
  let unique = 0;
  const fresh = (prefix: string): string => `${prefix}-${(unique += 1)}`;

  const send = async (method: string, path: string, body: string | undefined): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: asserted as text
    }
    return { status: response.status, body: parsed };
  };
  const call = (method: string, path: string, body?: unknown): Promise<Answer> =>
    send(method, path, body === undefined ? undefined : JSON.stringify(body));

  const ids = { source: '', type: '', target: '', workflow: '', job: '', schedule: '' };
  let routes: BodyRoute[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    vhost = await createTestVhost();
    app = await NestFactory.create<NestExpressApplication>(TestRoot.forRoot(db, vhost), { logger: false });
    useBodyLimit(app, LIMIT);
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');

    const created = async (method: string, path: string, body: Body): Promise<string> => {
      const answer = await call(method, path, body);
      if (answer.status >= 300)
        throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return String(answer.body.id);
    };
    ids.source = await created('POST', '/api/sources', { name: 'limits', base_url: 'http://127.0.0.1/s' });
    ids.type = await created('POST', '/api/target-types', { code: 'limits', name: 'Limits' });
    ids.target = await created('POST', '/api/targets', {
      source_id: ids.source,
      target_type_id: ids.type,
      url: 'http://127.0.0.1/s/1',
    });
    ids.workflow = await created('POST', '/api/workflows', {
      source_id: ids.source,
      workflow_name: 'limits',
      workflow_type: 'FULL_SCAN',
      workflow_definition: SEED_EXAMPLE_DEFINITION,
    });
    ids.job = await created('POST', `/api/workflows/${ids.workflow}/jobs`, {});
    ids.schedule = await created('POST', '/api/schedules', {
      workflow_id: ids.workflow,
      schedule_type: 'MANUAL',
    });

    const job = (withWorkflow: boolean) => (): Body => ({
      ...(withWorkflow ? { workflow_id: ids.workflow } : {}),
      target_id: ids.target,
      params: { region: 'kr' },
      priority: 5,
      job_type: 'FULL',
      idempotency_key: fresh('limits'),
      depends_on: [{ job_id: ids.job, dependency_type: 'FINISH' }],
    });
    const workflow = (): Body => ({
      source_id: ids.source,
      workflow_name: fresh('limits'),
      workflow_type: 'FULL_SCAN',
      workflow_definition: SEED_EXAMPLE_DEFINITION,
      is_active: true,
    });
    const schedule = (): Body => ({
      workflow_id: ids.workflow,
      target_id: ids.target,
      schedule_type: 'FIXED',
      cron_expression: '0 2 * * *',
      timezone: 'Asia/Seoul',
      priority: 5,
      is_active: false,
      missed_run_policy: 'RUN_ONCE',
      catch_up_window_seconds: 600,
      overlap_policy: 'QUEUE',
      interval_seconds: 600,
      min_interval_seconds: 60,
      max_interval_seconds: 3600,
      inc_rate: 0.4,
      dec_rate: 0.2,
    });
    const none = (): Body => ({});
    routes = [
      {
        method: 'POST',
        template: '/api/sources',
        path: '/api/sources',
        base: () => ({ name: fresh('limits'), base_url: 'http://127.0.0.1/s' }),
      },
      {
        method: 'POST',
        template: '/api/target-types',
        path: '/api/target-types',
        base: () => ({ code: fresh('limits'), name: 'Limits' }),
      },
      {
        method: 'POST',
        template: '/api/targets',
        path: '/api/targets',
        base: () => ({
          source_id: ids.source,
          target_type_id: ids.type,
          url: 'http://127.0.0.1/s/2',
          name: 'two',
          attributes: { tags: ['sale'] },
        }),
      },
      { method: 'POST', template: '/api/workflows', path: '/api/workflows', base: workflow },
      {
        method: 'PUT',
        template: '/api/workflows/{id}',
        path: `/api/workflows/${ids.workflow}`,
        base: workflow,
      },
      {
        method: 'POST',
        template: '/api/workflows/{id}/jobs',
        path: `/api/workflows/${ids.workflow}/jobs`,
        base: job(false),
      },
      { method: 'POST', template: '/api/jobs', path: '/api/jobs', base: job(true) },
      ...['cancel', 'pause', 'resume', 'retry'].map((action): BodyRoute => ({
        method: 'POST',
        template: `/api/jobs/{id}/${action}`,
        path: `/api/jobs/${ids.job}/${action}`,
        base: none,
        control: true,
      })),
      {
        method: 'PUT',
        template: '/api/workflows/{id}/parallelism',
        path: `/api/workflows/${ids.workflow}/parallelism`,
        base: () => ({ max_parallel_jobs: 5, max_parallel_tasks: 10, resource_pool: 'limits' }),
      },
      {
        method: 'PUT',
        template: '/api/resource-pools/{name}',
        path: '/api/resource-pools/limits',
        base: () => ({ slots: 2 }),
      },
      {
        method: 'POST',
        template: '/api/target-workflow-mappings',
        path: '/api/target-workflow-mappings',
        base: () => ({
          target_type_id: ids.type,
          workflow_id: ids.workflow,
          condition_expression: "target.url matches '^http'",
          priority: 1,
        }),
      },
      { method: 'POST', template: '/api/schedules', path: '/api/schedules', base: schedule },
      {
        method: 'PATCH',
        template: '/api/schedules/{id}',
        path: `/api/schedules/${ids.schedule}`,
        base: schedule,
      },
      {
        method: 'POST',
        template: '/api/schedules/{id}/fire',
        path: `/api/schedules/${ids.schedule}/fire`,
        base: none,
      },
    ];
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await vhost?.delete();
  });

  /** Body fields per route as the OpenAPI document has them: `METHOD template` → field names. */
  const documentedRoutes = async (): Promise<Map<string, string[]>> => {
    const docs = await call('GET', '/api/docs-json');
    expect(docs.status).toBe(200);
    const found = new Map<string, string[]>();
    for (const [template, operations] of Object.entries<Record<string, unknown>>(docs.body.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!['post', 'put', 'patch'].includes(method)) continue;
        const schema = (operation as { requestBody?: { content?: Record<string, { schema?: unknown }> } })
          .requestBody?.content?.['application/json']?.schema as { properties?: object } | undefined;
        found.set(`${method.toUpperCase()} ${template}`, Object.keys(schema?.properties ?? {}));
      }
    }
    return found;
  };

  it('covers every POST, PUT and PATCH route, with a base body that holds every field it documents', async () => {
    const documented = await documentedRoutes();
    expect(routes.map((r) => `${r.method} ${r.template}`).sort()).toEqual([...documented.keys()].sort());
    for (const route of routes) {
      const key = `${route.method} ${route.template}`;
      const missing = (documented.get(key) ?? []).filter((field) => !(field in route.base()));
      expect([key, missing]).toEqual([key, []]);
    }
  });

  it('answers 413 naming the limit and the setting to a 3 MB body on every route', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024) });
    for (const route of routes) {
      const answer = await send(route.method, route.path, body);
      const where = `${route.method} ${route.path}`;
      expect([where, answer.status]).toEqual([where, 413]);
      expect(answer.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: expect.stringContaining(`${LIMIT} bytes`),
        path: 'body',
      });
      expect(answer.body.message).toContain('API_BODY_LIMIT_BYTES');
    }
  });

  it('answers 413 to a body sent without a length (chunked) that grows over the limit', async () => {
    const chunk = new TextEncoder().encode(`"${'x'.repeat(64 * 1024)}",`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"name":['));
      },
      pull(controller) {
        sent += chunk.length;
        if (sent > 2 * LIMIT) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${base}/api/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    expect(response.status).toBe(413);
    const answer = (await response.json()) as { message: string };
    expect(answer).toMatchObject({ statusCode: 413, path: 'body' });
    expect(answer.message).toContain(`${LIMIT} bytes`);
  });

  it("answers the body parser's other refusals with their own 4xx in the API's shape", async () => {
    const post = async (headers: Record<string, string>): Promise<Answer> => {
      const response = await fetch(`${base}/api/sources`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, ...headers },
        body: JSON.stringify({ name: 'charset', base_url: 'http://127.0.0.1/c' }),
      });
      return { status: response.status, body: await response.json() };
    };
    expect(await post({ 'content-type': 'application/json; charset=iso-8859-1' })).toEqual({
      status: 415,
      body: {
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: 'body: unsupported charset "ISO-8859-1"',
        path: 'body',
      },
    });
    expect(await post({ 'content-type': 'application/json', 'content-encoding': 'compress' })).toEqual({
      status: 415,
      body: expect.objectContaining({ statusCode: 415, path: 'body' }),
    });
  });

  it('every base body is accepted (so that the refusals below are about the big value)', async () => {
    for (const route of routes) {
      const answer = await call(route.method, route.path, route.base());
      const where = `${route.method} ${route.path}`;
      const accepted = route.control ? answer.status < 500 : answer.status < 300;
      expect([where, accepted, answer.body]).toEqual([where, true, answer.body]);
    }
  });

  it('refuses a 200 KB string in any top-level field with 400 naming the field', async () => {
    for (const route of routes) {
      const fields = Object.keys(route.base());
      if (fields.length === 0) {
        const answer = await call(route.method, route.path, { note: BIG });
        const where = `${route.method} ${route.path}`;
        // A route without fields reads no body: whatever it answers, the big value is no 500.
        expect([where, answer.status < 500]).toEqual([where, true]);
      }
      for (const field of fields) {
        const answer = await call(route.method, route.path, { ...route.base(), [field]: BIG });
        const where = `${route.method} ${route.path} ${field}`;
        expect([where, answer.status, short(answer.body.path)]).toEqual([where, 400, `body.${field}`]);
        expect([where, short(answer.body.message)]).toEqual([where, expect.stringContaining(field)]);
      }
    }
  });

  /**
   * Stored (and read back whole) or refused with 400 under the field: never a 500. Compared as
   * summaries: a failure printing 200 KB values (or paths naming a 200 KB key) would drown the report.
   */
  const expectStoredOrRefused = (where: string, answer: Answer, field: string, stored: unknown): void => {
    const whole = JSON.stringify(answer.body[field]) === JSON.stringify(stored);
    const outcome =
      answer.status === 400
        ? `400 at ${short(answer.body.path)}`
        : `${answer.status} ${whole ? 'stored whole' : 'stored changed'}`;
    expect([where, outcome]).toEqual([
      where,
      expect.stringMatching(new RegExp(`^(400 at body\\.${field}\\b|2\\d\\d stored whole$)`)),
    ]);
  };

  it('stores or refuses by name a big value inside params and attributes', async () => {
    for (const value of [BIG, WIDE]) {
      const size = `${value.length} characters`;
      for (const path of [`/api/workflows/${ids.workflow}/jobs`, '/api/jobs']) {
        const route = routes.find((r) => r.path === path && r.method === 'POST') as BodyRoute;
        const params = { region: value };
        expectStoredOrRefused(
          `${path} params ${size}`,
          await call('POST', path, { ...route.base(), params }),
          'params',
          params,
        );
        for (const entry of [{ job_id: value }, { job_id: ids.job, dependency_type: value }]) {
          const answer = await call('POST', path, { ...route.base(), depends_on: [entry] });
          expect([path, answer.status, short(answer.body.path)]).toEqual([
            path,
            400,
            expect.stringMatching(/^body\.depends_on\[0\]\./),
          ]);
        }
      }
      const targets = routes.find((r) => r.template === '/api/targets') as BodyRoute;
      const attributes = { note: value, tags: [value] };
      const answer = await call('POST', '/api/targets', { ...targets.base(), attributes });
      expectStoredOrRefused(`targets attributes ${size}`, answer, 'attributes', attributes);
    }
  });

  // About 400 requests of up to 200 KB: more than the default 5 s.
  it('stores or refuses by name a big string anywhere in a workflow definition', async () => {
    const workflows = routes.find((r) => r.template === '/api/workflows') as BodyRoute;
    for (const [index, definition] of richDefinitions().entries()) {
      const accepted = await call('POST', '/api/workflows', {
        ...workflows.base(),
        workflow_definition: definition,
      });
      expect([index, accepted.status, accepted.body.message]).toEqual([index, 201, undefined]);
      const variants = [...withBigString(definition, BIG, true), ...withBigString(definition, WIDE, false)];
      expect(variants.length).toBeGreaterThan(30);
      for (const { where, value } of variants) {
        for (const [method, path] of [
          ['POST', '/api/workflows'],
          ['PUT', `/api/workflows/${accepted.body.id}`],
        ]) {
          const answer = await call(method, path, { ...workflows.base(), workflow_definition: value });
          expectStoredOrRefused(`${method} ${index}${where}`, answer, 'workflow_definition', value);
        }
      }
    }
  }, 60_000);
});
