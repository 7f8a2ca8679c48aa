import { createDataSource } from '@crawlflow/db';
import { startSampleShop, type SampleShop } from '@crawlflow/sample-shop';
import {
  createTestDatabase,
  createTestVhost,
  EngineSide,
  insertSource,
  insertWorkflowWithDefinition,
  itOnMysql,
  startEngineSide,
  startStepWorkers,
  StepWorkers,
  TestDatabase,
  TestVhost,
  waitFor,
} from '@crawlflow/testing';
import { createJob, type NewJob } from '../jobs/job-factory';

jest.setTimeout(180_000);

const listOnly = (maxPages = 3) => ({
  steps: [
    {
      name: 'fetch_list',
      type: 'FETCH',
      config: { url_pattern: '{base_url}/list?page={page}', pagination: true, max_pages: maxPages },
    },
    {
      name: 'parse',
      type: 'PARSE',
      config: { parser: 'html', selectors: { items: '.product-item', name: '.title' } },
    },
  ],
});

const withDetails = {
  steps: [
    {
      name: 'fetch_list',
      type: 'FETCH',
      config: { url_pattern: '{base_url}/list?page={page}', pagination: true, max_pages: 10 },
    },
    {
      name: 'parse_list',
      type: 'PARSE',
      config: {
        parser: 'html',
        selectors: { items: '.product-item', url: { selector: 'a.link', attr: 'href', type: 'url' } },
      },
    },
    { name: 'fetch_detail', type: 'FETCH', config: { url_field: 'url' } },
    { name: 'parse_detail', type: 'PARSE', config: { parser: 'html', selectors: { sku: '.sku' } } },
  ],
};

describe('execution controls: dependencies, parallel limits, resource pools, workflow selection', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let engine: EngineSide;
  let workers: StepWorkers;
  let shop: SampleShop;
  let source: string;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    shop = await startSampleShop({
      pages: 10,
      itemsPerPage: 10,
      slow: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [i + 1, 30])),
    });
    source = await insertSource(db.dataSource, shop.url);
    engine = await startEngineSide(db.dataSource, vhost.url);
    workers = await startStepWorkers(db.dataSource, vhost.url, { concurrency: { fetch: 32 } });
  });

  afterAll(async () => {
    await workers?.stop();
    await engine?.stop();
    await shop?.close();
    await db?.drop();
    await vhost?.delete();
  });

  const job = async (id: string): Promise<Record<string, any>> =>
    (await db.dataSource.query('SELECT * FROM crawling_jobs WHERE id = ?', [id]))[0];
  const create = (input: NewJob) => db.dataSource.transaction((m) => createJob(m, input)).then((r) => r.id);
  const finished = (id: string) =>
    waitFor(
      async () => {
        const row = await job(id);
        return ['SUCCESS', 'FAILED', 'CANCELLED'].includes(row.status) ? row : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100, what: `job ${id} to end` },
    );

  it('starts a SUCCESS dependent only after its dependency succeeded, cancels it when that fails, runs a FINISH one anyway', async () => {
    const ok = await insertWorkflowWithDefinition(db.dataSource, listOnly(), { sourceId: source });
    const a = await create({ workflowId: ok });
    const b = await create({ workflowId: ok, dependsOn: [{ jobId: a, type: 'SUCCESS' }] });
    const aDone = await finished(a);
    const bDone = await finished(b);
    expect(aDone.status).toBe('SUCCESS');
    expect(bDone.status).toBe('SUCCESS');
    expect(new Date(bDone.started_at).getTime()).toBeGreaterThanOrEqual(
      new Date(aDone.completed_at).getTime(),
    );

    // A job that fails: its base_url has no value, so it fails at start.
    const broken = await insertWorkflowWithDefinition(db.dataSource, listOnly());
    const failing = await create({ workflowId: broken });
    const needsSuccess = await create({ workflowId: ok, dependsOn: [{ jobId: failing, type: 'SUCCESS' }] });
    const needsFinish = await create({ workflowId: ok, dependsOn: [{ jobId: failing, type: 'FINISH' }] });
    expect((await finished(failing)).status).toBe('FAILED');
    const cancelled = await finished(needsSuccess);
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.error_summary).toMatch(new RegExp(`dependency job ${failing} ended FAILED`));
    expect((await finished(needsFinish)).status).toBe('SUCCESS');

    await expect(
      create({ workflowId: ok, dependsOn: [{ jobId: '987654321', type: 'SUCCESS' }] }),
    ).rejects.toThrow(/does not exist/);
    await expect(
      create({
        workflowId: ok,
        dependsOn: [
          { jobId: a, type: 'FINISH' },
          { jobId: a, type: 'SUCCESS' },
        ],
      }),
    ).rejects.toThrow(/listed twice/);
  });

  it('never runs more than max_parallel_jobs of a workflow; the rest wait and all finish', async () => {
    const workflowId = await insertWorkflowWithDefinition(db.dataSource, listOnly(2), { sourceId: source });
    await db.dataSource.query(
      'INSERT INTO parallel_execution_config (workflow_id, max_parallel_jobs, max_parallel_tasks) VALUES (?, 3, 10)',
      [workflowId],
    );
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1) ids.push(await create({ workflowId }));
    let peak = 0;
    await waitFor(
      async () => {
        const [row] = await db.dataSource.query(
          "SELECT SUM(status = 'RUNNING') AS running, SUM(status IN ('SUCCESS','FAILED','CANCELLED')) AS done FROM crawling_jobs WHERE workflow_id = ?",
          [workflowId],
        );
        peak = Math.max(peak, Number(row.running));
        return Number(row.done) === 20;
      },
      { timeoutMs: 120_000, intervalMs: 20, what: '20 jobs to finish' },
    );
    console.log(`max_parallel_jobs 3: peak of ${peak} running jobs sampled`);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(0);
    for (const id of ids) expect((await job(id)).status).toBe('SUCCESS');
  });

  it('caps a job at max_parallel_tasks: the site never sees more than 4 of its requests at once', async () => {
    const capped = await startSampleShop({
      pages: 5,
      itemsPerPage: 20,
      slow: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [i + 1, 40])),
    });
    try {
      const cappedSource = await insertSource(db.dataSource, capped.url);
      const workflowId = await insertWorkflowWithDefinition(db.dataSource, withDetails, {
        sourceId: cappedSource,
      });
      await db.dataSource.query(
        'INSERT INTO parallel_execution_config (workflow_id, max_parallel_jobs, max_parallel_tasks) VALUES (?, 5, 4)',
        [workflowId],
      );
      const done = await finished(await create({ workflowId }));
      console.log(`max_parallel_tasks 4: the site saw at most ${capped.maxConcurrent()} requests at once`);
      expect(done.status).toBe('SUCCESS');
      expect(capped.maxConcurrent()).toBeLessThanOrEqual(4);
      expect([...capped.hits.keys()].filter((k) => k.startsWith('/item/'))).toHaveLength(100);
    } finally {
      await capped.close();
    }
  });

  // Replicas share a MySQL server; a SQLite file belongs to one process (the second open is refused).
  itOnMysql('holds a pool of 2 slots shared by two workflows across two orchestrator replicas', async () => {
    const second = createDataSource(db.config); // a second orchestrator: its own connections
    await second.initialize();
    const replica = await startEngineSide(second, vhost.url);
    try {
      const first = await insertWorkflowWithDefinition(db.dataSource, listOnly(2), { sourceId: source });
      const other = await insertWorkflowWithDefinition(db.dataSource, listOnly(2), { sourceId: source });
      await db.dataSource.query("INSERT INTO resource_pools (name, slots) VALUES ('shared', 2)");
      await db.dataSource.query(
        "INSERT INTO parallel_execution_config (workflow_id, max_parallel_jobs, max_parallel_tasks, resource_pool) VALUES (?, 5, 10, 'shared'), (?, 5, 10, 'shared')",
        [first, other],
      );
      for (let i = 0; i < 6; i += 1) {
        await create({ workflowId: first });
        await create({ workflowId: other });
      }
      let peak = 0;
      await waitFor(
        async () => {
          const [row] = await db.dataSource.query(
            "SELECT SUM(status = 'RUNNING') AS running, SUM(status = 'SUCCESS') AS done FROM crawling_jobs WHERE workflow_id IN (?, ?)",
            [first, other],
          );
          peak = Math.max(peak, Number(row.running));
          return Number(row.done) === 12;
        },
        { timeoutMs: 120_000, intervalMs: 20, what: '12 pooled jobs to finish' },
      );
      console.log(`pool of 2 slots, two replicas: peak of ${peak} running jobs sampled`);
      expect(peak).toBeLessThanOrEqual(2);
      expect(peak).toBeGreaterThan(0);
    } finally {
      await replica.stop();
      await second.destroy();
    }
  });

  it('picks the workflow for a target by its type mappings, highest priority first', async () => {
    const [news, product, forum] = await Promise.all(
      ['news', 'product', 'forum'].map(async (code) => {
        const result: { insertId: number } = await db.dataSource.query(
          'INSERT INTO target_types (code, name) VALUES (?, ?)',
          [code, code],
        );
        return String(result.insertId);
      }),
    );
    const workflow = () => insertWorkflowWithDefinition(db.dataSource, listOnly(1), { sourceId: source });
    const [newsWf, productKr, productAny, forumWf] = [
      await workflow(),
      await workflow(),
      await workflow(),
      await workflow(),
    ];
    await db.dataSource.query(
      `INSERT INTO target_workflow_mappings (target_type_id, workflow_id, condition_expression, priority) VALUES
         (?, ?, NULL, 0), (?, ?, "params.region == 'kr' and target.url matches '/kr/'", 10), (?, ?, '', 1),
         (?, ?, "target.name contains 'board'", 0)`,
      [news, newsWf, product, productKr, product, productAny, forum, forumWf],
    );
    const target = async (typeId: string, url: string, name: string) => {
      const result: { insertId: number } = await db.dataSource.query(
        'INSERT INTO crawl_targets (source_id, target_type_id, url, name) VALUES (?, ?, ?, ?)',
        [source, typeId, url, name],
      );
      return String(result.insertId);
    };
    const picked = async (targetId: string, params: Record<string, unknown> = {}) =>
      String((await job(await create({ targetId, params }))).workflow_id);
    expect(await picked(await target(news, 'https://n.example/a', 'front'))).toBe(newsWf);
    expect(await picked(await target(product, 'https://s.example/kr/1', 'p'), { region: 'kr' })).toBe(
      productKr,
    );
    expect(await picked(await target(product, 'https://s.example/us/1', 'p'), { region: 'kr' })).toBe(
      productAny,
    );
    expect(await picked(await target(forum, 'https://f.example', 'board 7'))).toBe(forumWf);
    await expect(create({ targetId: await target(forum, 'https://f.example', 'chat') })).rejects.toThrow(
      /none of the 1 mapping/,
    );
  });
});
