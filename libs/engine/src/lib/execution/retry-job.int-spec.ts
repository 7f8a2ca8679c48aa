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
import { retryJob } from './job-controls';

jest.setTimeout(120_000);

/** A RETRY job runs again what failed, also a PARSE whose page went with the job that fetched it. */
describe('a RETRY job of a failed PARSE', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let engine: EngineSide;
  let workers: StepWorkers;
  let site: RoutedServer;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    site = await startRoutedServer();
    engine = await startEngineSide(db.dataSource, vhost.url);
    workers = await startStepWorkers(db.dataSource, vhost.url);
  });

  afterAll(async () => {
    await workers?.stop();
    await engine?.stop();
    await site?.close();
    await db?.drop();
    await vhost?.delete();
  });

  async function ended(id: string): Promise<{ status: string }> {
    return waitFor(
      async () => {
        const [row] = await db.dataSource.query('SELECT status FROM crawling_jobs WHERE id = ?', [id]);
        return ['SUCCESS', 'FAILED', 'CANCELLED'].includes(row.status) ? row : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `job ${id} to end` },
    );
  }

  it('fetches the page again and parses it, instead of failing on a page that is gone', async () => {
    let body = '{"items": [ not json';
    site.routes.set('/feed', (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(body),
    );
    const source = await insertSource(db.dataSource, site.base);
    const workflowId = await insertWorkflowWithDefinition(
      db.dataSource,
      {
        steps: [
          { name: 'fetch_feed', type: 'FETCH', config: { url_pattern: '{base_url}/feed' } },
          {
            name: 'parse_feed',
            type: 'PARSE',
            config: { parser: 'json', selectors: { items: '$.items[*]', sku: 'sku' } },
          },
          { name: 'store', type: 'STORE', config: { key: 'sku' } },
        ],
      },
      { sourceId: source },
    );
    const { id } = await db.dataSource.transaction((m) => createJob(m, { workflowId }));
    expect((await ended(id)).status).toBe('FAILED');
    const [failed] = await db.dataSource.query(
      "SELECT task_type FROM crawling_tasks WHERE job_id = ? AND status = 'FAILED'",
      [id],
    );
    expect(failed.task_type).toBe('PARSE');

    body = '{"items": [{"sku": "A-1"}, {"sku": "A-2"}]}';
    const retry = await retryJob(db.dataSource, id);
    expect((await ended(retry.id)).status).toBe('SUCCESS');
    const items: Array<{ item_key: string }> = await db.dataSource.query(
      'SELECT item_key FROM crawled_items WHERE workflow_id = ? ORDER BY item_key',
      [workflowId],
    );
    expect(items.map((item) => item.item_key)).toEqual(['A-1', 'A-2']);
  });

  it('fails a running job whose stored workflow version no orchestrator can load any more', async () => {
    site.routes.set('/slow', (_req, res) => {
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'text/html' }).end('<p class="sku">S-1</p>'),
        1500,
      );
    });
    const source = await insertSource(db.dataSource, site.base);
    const definition = {
      steps: [
        { name: 'fetch', type: 'FETCH', config: { url_pattern: '{base_url}/slow' } },
        { name: 'parse', type: 'PARSE', config: { parser: 'html', selectors: { sku: '.sku' } } },
      ],
    };
    const workflowId = await insertWorkflowWithDefinition(db.dataSource, definition, { sourceId: source });
    const { id } = await db.dataSource.transaction((m) => createJob(m, { workflowId }));
    await waitFor(async () => {
      const [row] = await db.dataSource.query('SELECT status FROM crawling_jobs WHERE id = ?', [id]);
      return row.status === 'RUNNING';
    });
    // Stored under an older release, refused by this one (RE2 has no lookahead); a fresh
    // orchestrator (nothing cached) then meets the job's results.
    const refused = JSON.stringify({
      steps: [
        definition.steps[0],
        definition.steps[1],
        {
          name: 'clean',
          type: 'TRANSFORM',
          config: { operations: [{ op: 'regex_replace', field: 'sku', pattern: 'S(?=-)', replacement: '' }] },
        },
      ],
    });
    await db.dataSource.query('UPDATE crawling_workflows SET workflow_definition = ? WHERE id = ?', [
      refused,
      workflowId,
    ]);
    await db.dataSource.query('UPDATE workflow_versions SET workflow_definition = ? WHERE workflow_id = ?', [
      refused,
      workflowId,
    ]);
    await engine.stop();
    engine = await startEngineSide(db.dataSource, vhost.url);
    const [row] = await waitFor(
      async () => {
        const rows = await db.dataSource.query(
          'SELECT status, error_summary FROM crawling_jobs WHERE id = ?',
          [id],
        );
        return rows[0].status === 'FAILED' ? rows : undefined;
      },
      { timeoutMs: 30_000, what: 'the job to fail' },
    );
    expect(row.error_summary).toMatch(/cannot load the workflow: .*lookahead/);
  });
});
