import type { TaskMessage } from '@crawlflow/contracts';
import { startSampleShop, type SampleShop } from '@crawlflow/sample-shop';
import { savePage, storeStep } from '@crawlflow/steps';
import {
  createTestDatabase,
  createTestVhost,
  EngineSide,
  holdsFor,
  insertJob,
  insertSource,
  insertWorkflow,
  insertWorkflowWithDefinition,
  startEngineSide,
  startStepWorkers,
  StepWorkers,
  TestDatabase,
  TestVhost,
  waitFor,
} from '@crawlflow/testing';
import { createJob } from '../jobs/job-factory';
import { cancelJob } from './job-controls';

jest.setTimeout(120_000);

const ITEMS = 10;

/** After a cancel or a FAIL, nothing of the job runs or writes again. */
describe('a job that has ended has no more effects', () => {
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

  afterAll(async () => {
    await workers?.stop();
    await engine?.stop();
    await shop?.close();
    await db?.drop();
    await vhost?.delete();
  });

  it('schedules no retry for a failure that arrives after the cancel, and keeps no page', async () => {
    const ids = Array.from({ length: ITEMS }, (_, i) => i + 1);
    // Every detail page answers 503, three seconds after the request: the failures of the fetches
    // in flight arrive after the cancel.
    shop = await startSampleShop({
      pages: 1,
      itemsPerPage: ITEMS,
      slow: Object.fromEntries(ids.map((id) => [id, 3000])),
      broken: Object.fromEntries(ids.map((id) => [id, 503])),
    });
    const source = await insertSource(db.dataSource, shop.url);
    const workflowId = await insertWorkflowWithDefinition(
      db.dataSource,
      {
        steps: [
          {
            name: 'fetch_list',
            type: 'FETCH',
            config: { url_pattern: '{base_url}/list?page={page}', pagination: true, max_pages: 1 },
          },
          {
            name: 'parse_list',
            type: 'PARSE',
            config: {
              parser: 'html',
              selectors: { items: '.product-item', url: { selector: 'a.link', attr: 'href', type: 'url' } },
            },
          },
          {
            name: 'fetch_detail',
            type: 'FETCH',
            config: { url_field: 'url' },
            error_handling: 'RETRY',
            max_retries: 3,
            backoff: { base_ms: 50, max_ms: 100 },
          },
          { name: 'parse_detail', type: 'PARSE', config: { parser: 'html', selectors: { sku: '.sku' } } },
        ],
      },
      { sourceId: source },
    );
    await db.dataSource.query(
      'INSERT INTO parallel_execution_config (workflow_id, max_parallel_jobs, max_parallel_tasks) VALUES (?, 5, 20)',
      [workflowId],
    );
    const { id } = await db.dataSource.transaction((m) => createJob(m, { workflowId }));
    const hits = (): number[] => ids.map((item) => shop.hits.get(`/item/${item}`) ?? 0);
    await waitFor(() => hits().every((n) => n >= 1), {
      timeoutMs: 60_000,
      what: 'every detail page requested',
    });
    await cancelJob(db.dataSource, id);
    const [{ at: cancelledAt }] = await db.dataSource.query('SELECT NOW(3) AS at');
    // Nothing of the job may be dispatched after the cancel: the ledger's own clock says when.
    const dispatchedSince = async (): Promise<number> => {
      const [row] = await db.dataSource.query(
        'SELECT COUNT(*) AS n FROM crawling_queues WHERE job_id = ? AND dispatched_at > ?',
        [id, cancelledAt],
      );
      return Number(row.n);
    };

    const inFlight = async (): Promise<number> => {
      const [row] = await db.dataSource.query(
        "SELECT COUNT(*) AS n FROM crawling_queues WHERE job_id = ? AND status IN ('WAITING', 'PROCESSING')",
        [id],
      );
      return Number(row.n);
    };
    await waitFor(async () => (await inFlight()) === 0, {
      timeoutMs: 60_000,
      what: 'the fetches in flight to report',
    });
    await holdsFor(async () => (await dispatchedSince()) === 0 && (await inFlight()) === 0, {
      durationMs: 1500,
      what: 'no detail page fetched again after the cancel',
    });
    const [pages] = await db.dataSource.query('SELECT COUNT(*) AS n FROM crawl_pages WHERE job_id = ?', [id]);
    expect(Number(pages.n)).toBe(0);
    const [job] = await db.dataSource.query('SELECT status FROM crawling_jobs WHERE id = ?', [id]);
    expect(job.status).toBe('CANCELLED');
  });

  it('stores nothing and keeps no page for a task that runs after its job was cancelled', async () => {
    const workflowId = await insertWorkflow(db.dataSource);
    const jobId = await insertJob(db.dataSource, workflowId);
    await db.dataSource.query("UPDATE crawling_jobs SET status = 'RUNNING' WHERE id = ?", [jobId]);
    await cancelJob(db.dataSource, jobId);
    const task: TaskMessage = {
      v: 1,
      queue_id: '1',
      task_id: '424242',
      job_id: jobId,
      stage: 'store',
      attempt: 1,
      payload: { ctx: { step: 2 }, workflow_id: workflowId, key: 'sku', records: [{ sku: 'A-1' }] },
    };
    await expect(storeStep(db.dataSource)(task)).rejects.toMatchObject({ code: 'JOB_ENDED' });
    await expect(
      savePage(db.dataSource, {
        jobId,
        taskId: '424243',
        url: 'http://127.0.0.1/x',
        status: 200,
        contentType: 'text/html',
        text: '<p>late</p>',
      }),
    ).rejects.toMatchObject({ code: 'JOB_ENDED' });
    const [items] = await db.dataSource.query('SELECT COUNT(*) AS n FROM crawled_items WHERE job_id = ?', [
      jobId,
    ]);
    const [pages] = await db.dataSource.query('SELECT COUNT(*) AS n FROM crawl_pages WHERE job_id = ?', [
      jobId,
    ]);
    expect([Number(items.n), Number(pages.n)]).toEqual([0, 0]);
  });
});
