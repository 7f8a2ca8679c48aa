/**
 * The Kubernetes manifests, run as local processes by tools/deploy/local-cluster.ts: the init
 * containers hold the apps until the migrator Job has migrated, readiness probes pass, the
 * orchestrator's backlog gauge (what KEDA scales the workers on) rises while no fetch-worker runs
 * and falls to 0 once the workers have done the job, and every app exits 0 on SIGTERM within its
 * terminationGracePeriodSeconds.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SEED_EXAMPLE_DEFINITION } from '@crawlflow/contracts';
import { createTestDatabase, createTestVhost, TestDatabase, TestVhost, waitFor } from '@crawlflow/testing';
import { ROOT } from './deploy-model';
import { LocalCluster, testSecrets } from './local-cluster';

const TOKEN = testSecrets().get('API_TOKEN') as string;
const ITEMS = ['Kettle', 'Teapot', 'Toaster'];

let database: TestDatabase;
let vhost: TestVhost;
let site: Server;
let siteUrl: string;
let cluster: LocalCluster;
const lines: Array<{ at: number; process: string; line: string }> = [];

/** A shop with one list page; page 2 answers 404, which ends the example workflow's pagination. */
function startSite(): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/list' && url.searchParams.get('page') === '1') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        `<html><body>${ITEMS.map((name, i) => `<div class="product-item"><span class="title">${name}</span><span class="price">${i + 10}</span></div>`).join('')}</body></html>`,
      );
      return;
    }
    response.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  return once(server, 'listening').then(() => server);
}

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(cluster.url('orchestrator', path), {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Sum of `crawlflow_backlog{stage="fetch",…}` over tiers, as the orchestrator's /metrics shows it. */
async function fetchBacklog(): Promise<number> {
  const text = await (
    await fetch(cluster.url('orchestrator', '/metrics'), { signal: AbortSignal.timeout(3000) })
  ).text();
  const series = [...text.matchAll(/^crawlflow_backlog\{([^}]*)\} (\S+)$/gm)].filter((m) =>
    m[1].includes('stage="fetch"'),
  );
  if (series.length === 0) throw new Error('no crawlflow_backlog{stage="fetch"} series yet');
  return series.reduce((sum, m) => sum + Number(m[2]), 0);
}

beforeAll(async () => {
  // The subjects are the built scripts that the image runs.
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe', timeout: 280_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
  }
  // An empty database: the migrator Job is what migrates it.
  database = await createTestDatabase({ migrate: false });
  vhost = await createTestVhost();
  site = await startSite();
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  cluster = new LocalCluster({
    secrets: testSecrets({ DATABASE_URL: database.config.url, AMQP_URL: vhost.url }),
    onLine: (process, line) => lines.push({ at: Date.now(), process, line }),
  });
}, 320_000);

afterAll(async () => {
  await cluster?.kill();
  site?.close();
  await vhost?.delete();
  await database?.drop();
}, 60_000);

describe('the manifests as local processes', () => {
  it('hold the orchestrator in its init container until the migrator Job has run', async () => {
    // kubectl kustomize prints objects sorted by kind and name.
    expect(cluster.apps).toEqual([
      'fetch-worker',
      'orchestrator',
      'parse-worker',
      'scheduler',
      'store-worker',
    ]);
    const starting = cluster.start(['orchestrator']);
    await waitFor(
      () =>
        lines.some(
          (l) => l.process === 'orchestrator/wait-for-schema' && l.line.includes('waiting for the migrator'),
        ),
      { timeoutMs: 20_000, what: 'wait-for-schema to report pending migrations' },
    );
    expect(lines.some((l) => l.process === 'orchestrator')).toBe(false);

    expect(await cluster.runJobs()).toEqual(['crawlflow-migrate']);
    await starting;
    const migrated = lines.find(
      (l) => l.process === 'job/crawlflow-migrate' && l.line.includes('"migrations applied"'),
    );
    const released = lines.find(
      (l) => l.process === 'orchestrator/wait-for-schema' && l.line.includes('"schema is current"'),
    );
    expect(migrated).toBeDefined();
    expect(released).toBeDefined();
    expect((released?.at ?? 0) >= (migrated?.at ?? Infinity)).toBe(true);
  }, 90_000);

  it('shows a fetch backlog while no fetch-worker runs, and 0 once the workers have done the job', async () => {
    const source = await api('POST', '/api/sources', { name: 'local-shop', base_url: siteUrl });
    expect(source.status).toBe(201);
    const workflow = await api('POST', '/api/workflows', {
      source_id: source.body.id,
      workflow_name: 'local-cluster',
      workflow_type: 'INCREMENTAL',
      workflow_definition: {
        steps: [
          ...SEED_EXAMPLE_DEFINITION.steps,
          { name: 'store_items', type: 'STORE', config: { key: 'name' } },
        ],
      },
    });
    expect([workflow.status, workflow.body]).toEqual([
      201,
      expect.objectContaining({ id: expect.any(String) }),
    ]);
    const job = await api('POST', `/api/workflows/${String(workflow.body.id)}/jobs`, { priority: 5 });
    expect(job.status).toBe(202);

    // The gauge refreshes every 5 s; the relay publishes the first FETCH task within moments.
    await waitFor(async () => (await fetchBacklog()) > 0, {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: 'a fetch backlog > 0',
    });

    await cluster.start(['scheduler', 'fetch-worker', 'parse-worker', 'store-worker']);
    const done = await waitFor(
      async () => {
        const answer = await api('GET', `/api/jobs/${String(job.body.id)}`);
        return ['SUCCESS', 'FAILED', 'CANCELLED'].includes(String(answer.body.status))
          ? answer.body
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the job to finish' },
    );
    expect(done.status).toBe('SUCCESS');
    const [{ n }] = await database.dataSource.query<Array<{ n: string }>>(
      'SELECT COUNT(*) AS n FROM crawled_items WHERE job_id = ?',
      [job.body.id],
    );
    expect(Number(n)).toBe(ITEMS.length);

    await waitFor(async () => (await fetchBacklog()) === 0, {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: 'the fetch backlog to fall to 0',
    });
  }, 180_000);

  it('every app exits 0 on SIGTERM within its terminationGracePeriodSeconds', async () => {
    const exits = await cluster.stop();
    expect(exits.map((e) => e.app).sort()).toEqual([...cluster.apps].sort());
    for (const exit of exits) {
      expect([exit.app, exit.code, exit.signal]).toEqual([exit.app, 0, null]);
      expect([exit.app, exit.elapsedMs < exit.graceMs]).toEqual([exit.app, true]);
      expect(exit.graceMs).toBe(60_000);
    }
  }, 90_000);
});
