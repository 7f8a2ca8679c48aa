/**
 * `npm run demo`: starts the standalone process (every role in one process, on SQLite in
 * `.crawlflow/` and the in-process bus: no database or broker needed), serves the bundled sample
 * shop on loopback, applies examples/shop-products.json, runs a job with the live progress display,
 * prints a summary and stops everything it started. A second run finds every item unchanged (304s).
 * `npm run demo:cluster` (`--cluster`) does the same with the migrator and the five apps on MySQL
 * and RabbitMQ (DATABASE_URL, AMQP_URL).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processEnv } from '@crawlflow/config';
import { startSampleShop, SampleShop } from '@crawlflow/sample-shop';
import { ApiClient } from '../crawlctl/api-client';
import { text } from '../crawlctl/command';
import { applyWorkflow } from '../crawlctl/commands/workflow.command';
import { watchJob } from '../crawlctl/job-watcher';
import { ProgressRenderer } from '../crawlctl/progress-renderer';
import { AppRunner, freePortRange, portFree, withTimeout } from './app-runner';
import { demoSummary, fetchFigures } from './demo-summary';

/** dist/tools/demo/demo.js → the repository root. */
const ROOT = join(__dirname, '..', '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'shop-products.json');
const TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 300_000);
/**
 * The shop keeps one port across runs: the fetcher's stored ETags are per URL, so a second run on
 * another port would see new URLs and fetch everything again instead of getting 304s.
 */
const SHOP_PORT = Number(process.env.DEMO_SHOP_PORT ?? 18_080);
/** Apps from here up: clear of `npm start`'s 3000..3004. */
const APPS_FROM = Number(process.env.DEMO_APPS_PORT ?? 18_100);

const CLUSTER = process.argv.includes('--cluster');

const say = (line: string): void => void process.stdout.write(`${line}\n`);

async function startShop(): Promise<SampleShop> {
  const options = {
    pages: 10,
    itemsPerPage: 20,
    slow: { 7: 1500, 58: 900, 133: 1200 },
    flaky: { 3: 2, 77: 1, 150: 2 },
  };
  if (await portFree(SHOP_PORT)) return startSampleShop({ ...options, port: SHOP_PORT });
  say(`port ${SHOP_PORT} is taken: the shop gets another one (a second run will then not see 304s)`);
  return startSampleShop(options);
}

async function waitReady(ports: number[], runner: AppRunner, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    for (;;) {
      const dead = runner.deadApp();
      if (dead) throw new Error(`${dead.name} exited while starting; see ${runner.logFile}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2000) })
        .then((answer) => answer.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline)
        throw new Error(`apps not ready within ${timeoutMs / 1000} s; see ${runner.logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** The standalone process, or the migrator and then the five apps; returns the API's port. */
async function startPlatform(runner: AppRunner): Promise<number> {
  if (!CLUSTER) {
    const port = await freePortRange(1, APPS_FROM);
    say(`  starting crawlflow standalone on port ${port} (data in ${runner.dataDir})…`);
    runner.startStandalone(port);
    await waitReady([port], runner, 120_000);
    return port;
  }
  say('  migrating the database…');
  await runner.migrate(90_000);
  const base = await freePortRange(5, APPS_FROM);
  const ports = runner.startApps(base);
  say(`  starting the five apps on ports ${base}..${base + 4}…`);
  await waitReady([...ports.values()], runner, 90_000);
  return base;
}

/** What a failed or interrupted demo must undo: its job would otherwise resume on the next start. */
interface Started {
  client?: ApiClient;
  jobId?: string;
}

async function runDemo(runner: AppRunner, shop: SampleShop, started: Started): Promise<boolean> {
  const begun = Date.now();
  say('crawlflow demo');
  say(`  sample shop:  ${shop.url} (10 list pages, 200 products; some slow, some flaky)`);
  say(`  app logs:     ${runner.logFile}`);
  const base = await startPlatform(runner);

  const client = new ApiClient({
    baseUrl: `http://127.0.0.1:${base}`,
    token: process.env.API_TOKEN || undefined,
  });
  started.client = client;
  const file = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Parameters<typeof applyWorkflow>[1];
  // A source per shop address: an earlier run's source (another port) stays as it was.
  const port = new URL(shop.url).port;
  file.source = { name: `demo-shop-${port}`, base_url: shop.url };
  const { workflow, created } = await applyWorkflow(client, file);
  say(
    `  workflow:     "${text(workflow.workflow_name)}" ${created ? 'created' : 'applied'} (id ${text(workflow.id)}, version ${text(workflow.version)}, ${text(workflow.workflow_type)})`,
  );
  // params win over the source: the job crawls this shop even if the source says otherwise.
  const job = await client.post(`/api/workflows/${text(workflow.id)}/jobs`, {
    params: { base_url: shop.url },
  });
  started.jobId = String(job.id);
  say(`  job:          ${text(job.id)} (${text(job.job_type)})`);
  say('');
  const final = await watchJob(client, String(job.id), {
    intervalMs: 250,
    timeoutMs: Math.max(10_000, TIMEOUT_MS - (Date.now() - begun) - 20_000),
    renderer: new ProgressRenderer(process.stdout, 2000),
  });
  say('');
  const fetches = await fetchFigures(client, final.id);
  for (const line of demoSummary(final, fetches, Date.now() - begun)) say(line);
  return final.status === 'SUCCESS';
}

async function main(): Promise<void> {
  const logFile = join(tmpdir(), `crawlflow-demo-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const env = { ...processEnv(), FETCH_ALLOW_HOSTS: '127.0.0.1', LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' };
  const runner = new AppRunner(logFile, env);
  let shop: SampleShop | undefined;
  const started: Started = {};
  let finished = false;
  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> => {
    cleaning ??= (async () => {
      if (!finished && started.client && started.jobId) {
        await started.client.post(`/api/jobs/${started.jobId}/cancel`).then(
          () => say(`cancelled job ${started.jobId}`),
          (error: Error) => say(`could not cancel job ${started.jobId}: ${error.message}`),
        );
      }
      await runner.stopAll();
      await shop?.close();
    })();
    return cleaning;
  };
  const abort = (reason: string, code: number): void => {
    process.stdout.write('\n');
    process.stderr.write(`demo: ${reason}; stopping everything\n`);
    void cleanUp().then(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));

  let ok = false;
  try {
    shop = await startShop();
    ok = await withTimeout(
      runDemo(runner, shop, started),
      TIMEOUT_MS,
      `the demo (DEMO_TIMEOUT_MS=${TIMEOUT_MS})`,
    );
    finished = true;
  } catch (error) {
    process.stdout.write('\n');
    process.stderr.write(`demo failed: ${(error as Error).message}\n  app logs: ${logFile}\n`);
  }
  say('stopping the apps and the shop…');
  await withTimeout(cleanUp(), 30_000, 'the apps to stop').catch((error: Error) => {
    process.stderr.write(`demo: ${error.message}\n`);
    for (const app of runner.apps) app.child.kill('SIGKILL');
  });
  say(ok ? 'demo finished.' : 'demo did not finish successfully.');
  process.exit(ok ? 0 : 1);
}

void main();
