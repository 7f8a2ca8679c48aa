import { SEED_EXAMPLE_DEFINITION } from '@crawlflow/contracts';
import { crawlCheckers } from '@crawlflow/crawl';
import { MessagingModule } from '@crawlflow/messaging';
import { ObservabilityModule } from '@crawlflow/observability';
import {
  createTestDatabase,
  createTestVhost,
  emptyTables,
  TestDatabase,
  TestVhost,
  testDbModule,
} from '@crawlflow/testing';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiModule, type ApiModuleOptions } from '../api.module';

export const API_TEST_TOKEN = 'api-int-spec-token';

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
  body: any;
  headers: Headers;
}

/** What one int-spec file gets: its own database, vhost and app; rows emptied before each test. */
export interface ApiHarness {
  db: TestDatabase;
  app: INestApplication;
  base: string;
  /** `token` null sends no Authorization header. */
  call: (method: string, path: string, body?: unknown, token?: string | null) => Promise<ApiAnswer>;
  createSource: (name?: string) => Promise<string>;
  createTarget: (sourceId: string, extra?: Record<string, unknown>) => Promise<string>;
  createWorkflow: (fields?: Record<string, unknown>) => Promise<string>;
  createJob: (workflowId: string, body?: Record<string, unknown>) => Promise<string>;
}

@Module({})
class ApiTestRoot {
  static forRoot(
    db: TestDatabase,
    vhost: TestVhost,
    name: string,
    options: Partial<ApiModuleOptions>,
  ): DynamicModule {
    return {
      module: ApiTestRoot,
      imports: [
        testDbModule(db),
        MessagingModule.forRoot({ url: vhost.url, name }),
        ObservabilityModule.forRoot({ app: 'orchestrator', logLevel: 'error' }),
        ApiModule.forRoot({
          apiToken: API_TEST_TOKEN,
          checkers: crawlCheckers,
          keyMetricsIntervalMs: 200,
          ...options,
        }),
      ],
    };
  }
}

function failOn(what: string, answer: ApiAnswer): never {
  throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/**
 * Registers the hooks of one int-spec file: the app on a database and vhost of its own for the
 * file, every table emptied before each test. Call it at the top of the file's outer describe and
 * read the harness inside the tests. `options` change the API module's (e.g. `consoleDir`).
 */
export function useApiHarness(name: string, options: Partial<ApiModuleOptions> = {}): () => ApiHarness {
  let db: TestDatabase | undefined;
  let vhost: TestVhost | undefined;
  let app: INestApplication | undefined;
  let harness: ApiHarness | undefined;
  let unique = 0;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    app = await NestFactory.create(ApiTestRoot.forRoot(db, vhost, name, options), { logger: false });
    await app.listen(0, '127.0.0.1');
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    harness = build(db, app, base, () => (unique += 1));
  });

  beforeEach(async () => {
    if (db) await emptyTables(db.dataSource);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await vhost?.delete();
  });

  return () => {
    if (!harness) throw new Error('the API harness is not started (use it inside a test)');
    return harness;
  };
}

function build(db: TestDatabase, app: INestApplication, base: string, next: () => number): ApiHarness {
  const call: ApiHarness['call'] = async (method, path, body, token = API_TEST_TOKEN) => {
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
  const created = async (method: string, path: string, body: Record<string, unknown>): Promise<string> => {
    const answer = await call(method, path, body);
    if (answer.status >= 300) failOn(`${method} ${path}`, answer);
    return String(answer.body.id);
  };
  return {
    db,
    app,
    base,
    call,
    createSource: (name) => {
      const n = next();
      return created('POST', '/api/sources', {
        name: name ?? `source-${n}`,
        base_url: `http://127.0.0.1/source-${n}`,
      });
    },
    createTarget: (sourceId, extra = {}) =>
      created('POST', '/api/targets', {
        source_id: sourceId,
        url: `http://127.0.0.1/target-${next()}`,
        ...extra,
      }),
    createWorkflow: (fields = {}) =>
      created('POST', '/api/workflows', {
        workflow_name: `workflow-${next()}`,
        workflow_type: 'FULL_SCAN',
        workflow_definition: SEED_EXAMPLE_DEFINITION,
        ...fields,
      }),
    createJob: (workflowId, body = {}) => created('POST', `/api/workflows/${workflowId}/jobs`, body),
  };
}

/** A 400 in the API's shape naming `path`, in the body and in the message. */
export function expectBadRequest(answer: ApiAnswer, path: string): void {
  expect({ status: answer.status, path: answer.body.path }).toEqual({ status: 400, path });
  expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  expect(answer.body.message).toContain(path);
}
