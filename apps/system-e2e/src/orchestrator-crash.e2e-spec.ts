import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { AppName } from '@crawlflow/config';
import { createJob } from '@crawlflow/engine';
import { startSampleShop, type SampleShop } from '@crawlflow/sample-shop';
import {
  createTestDatabase,
  createTestVhost,
  freePortRange,
  insertSource,
  insertWorkflowWithDefinition,
  killAllSpawned,
  spawnNode,
  SpawnedProcess,
  TestDatabase,
  TestVhost,
  waitFor,
} from '@crawlflow/testing';

const ROOT = resolve(__dirname, '../../..');

jest.setTimeout(300_000);

/** The apps as real processes: kill -9 the orchestrator mid-job and start it again. */
describe('a job survives its orchestrator being killed', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let shop: SampleShop;
  let basePort: number;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    // Slow detail pages keep the job busy long enough to kill the orchestrator in the middle.
    shop = await startSampleShop({
      pages: 25,
      itemsPerPage: 20,
      slow: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [i + 1, 15])),
    });
    basePort = await freePortRange(5);
  });

  afterAll(async () => {
    await killAllSpawned();
    await shop?.close();
    await db?.drop();
    await vhost?.delete();
  });

  function start(app: AppName, port: number): SpawnedProcess {
    return spawnNode(join(ROOT, 'dist/apps', app, 'src/main.js'), {
      name: app,
      env: {
        DATABASE_URL: db.config.url,
        AMQP_URL: vhost.url,
        PORT: String(port),
        FETCH_ALLOW_HOSTS: '127.0.0.1',
        LOG_LEVEL: 'warn',
        TASK_LEASE_MS: '20000',
      },
    });
  }

  async function ready(port: number): Promise<void> {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: `port ${port} ready`,
    });
  }

  it('completes with correct counts and fetches no page twice', async () => {
    let orchestrator = start('orchestrator', basePort);
    const workers = (['fetch-worker', 'parse-worker', 'store-worker'] as const).map((app, i) =>
      start(app, basePort + 1 + i),
    );
    for (let i = 0; i < 4; i += 1) await ready(basePort + i);

    const source = await insertSource(db.dataSource, shop.url);
    const workflowId = await insertWorkflowWithDefinition(
      db.dataSource,
      {
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
              selectors: { items: '.product-item', url: { selector: 'a.link', attr: 'href', type: 'url' } },
            },
          },
          { name: 'fetch_detail', type: 'FETCH', config: { url_field: 'url' } },
          {
            name: 'parse_detail',
            type: 'PARSE',
            config: {
              parser: 'html',
              selectors: { sku: '.sku', name: '.name', price: { selector: '.price', type: 'number' } },
            },
          },
          { name: 'store', type: 'STORE', config: { key: 'sku' } },
        ],
      },
      { sourceId: source },
    );
    await db.dataSource.query(
      'INSERT INTO parallel_execution_config (workflow_id, max_parallel_jobs, max_parallel_tasks) VALUES (?, 5, 64)',
      [workflowId],
    );
    const metric = async (name: string): Promise<number[]> => {
      const text = await (await fetch(`http://127.0.0.1:${basePort}/metrics`)).text();
      return text
        .split('\n')
        .filter((line) => line.startsWith(name))
        .map((line) => Number(line.split(' ').pop()));
    };
    const before = { success: await metric('crawlflow_job_success_ratio') };
    const { id } = await db.dataSource.transaction((m) => createJob(m, { workflowId }));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the row is asserted field by field
    const job = async (): Promise<Record<string, any>> =>
      (
        await db.dataSource.query<Array<Record<string, unknown>>>(
          'SELECT * FROM crawling_jobs WHERE id = ?',
          [id],
        )
      )[0];

    await waitFor(async () => (await job()).success_count >= 150, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'the job to be well under way',
    });
    orchestrator.child.kill('SIGKILL');
    await orchestrator.exited;
    const atKill = await job();
    orchestrator = start('orchestrator', basePort);
    await ready(basePort);

    const done = await waitFor(
      async () => {
        const row = await job();
        return ['SUCCESS', 'FAILED', 'CANCELLED'].includes(row.status) ? row : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 250, what: 'the job to finish after the restart' },
    );
    const [items] = await db.dataSource.query(
      'SELECT COUNT(*) AS n FROM crawled_items WHERE workflow_id = ?',
      [workflowId],
    );
    const twice = [...shop.hits.entries()].filter(([path, n]) => path !== '/robots.txt' && n > 1);
    console.log(
      `killed at ${atKill.success_count}/${atKill.total_items} tasks; finished ${done.status} with ${done.success_count}/${done.total_items}; pages fetched twice: ${twice.length}`,
    );
    expect(done.status).toBe('SUCCESS');
    expect(Number(items.n)).toBe(500);
    expect(done.processed_items).toBe(done.total_items);
    expect(done.success_count).toBe(done.total_items);
    expect(twice).toEqual([]);
    for (const worker of workers) expect(worker.isRunning()).toBe(true);
    const after = await waitFor(
      async () => {
        const success = await metric('crawlflow_job_success_ratio');
        const duration = await metric('crawlflow_job_avg_execution_seconds');
        return success.some((v) => v === 1) && duration.some((v) => v > 0)
          ? { success, duration }
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'the success ratio and average duration on /metrics' },
    );
    console.log(
      `key figures: success ratio ${before.success.join(',') || 'n/a'} → ${after.success.join(',')}, average execution ${after.duration.join(',')} s`,
    );
  });
});
