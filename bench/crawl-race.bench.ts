/**
 * The race: the same local shop crawled by Crawlee (CheerioCrawler, in memory), by a bare undici +
 * cheerio loop (nothing durable) and by crawlflow's whole stack (the five apps as processes, MariaDB,
 * RabbitMQ), in alternating rounds. Prints pages/s, the ratio to Crawlee, CPU ms per page (for
 * crawlflow: its processes plus MariaDB and RabbitMQ), and where a crawlflow hop spends its time.
 *
 * `node -r @swc-node/register bench/crawl-race.bench.ts [key=value ...]`, keys (defaults):
 *   rounds=2 pages=250 items=20 concurrency=50 (Crawlee's and the bare loop's)
 *   runs=crawlee,bare,default,raised,standalone  (crawlflow "default": no parallelism row, the seed's
 *   limits; "raised": max_parallel_tasks and FETCH_HOST_CONCURRENCY at Crawlee's concurrency;
 *   "standalone": the default limits in one process on SQLite and the in-process bus)
 *   fetchWorkers=1 parseWorkers=1 orchestrators=1 (replicas, for the scale-out curve)
 * Crawlee is installed on demand into bench/peers (npm ci does not carry it).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDatabaseConfig } from '@crawlflow/config';
import { createDataSource } from '@crawlflow/db';
import { startSampleShop, type SampleShop } from '@crawlflow/sample-shop';
import {
  createTestDatabase,
  createTestVhost,
  startAppCluster,
  startStandalone,
  type AppCluster,
  type ClusterApp,
} from '@crawlflow/testing';
import { hopBreakdown, type HopBreakdown } from './race/hop-breakdown';
import { brokerPid, cpuMeter, databasePid, machineMeter, median } from './support/cpu-meter';
import { databaseLoad } from './support/database-load';
import { benchSettings } from './support/settings';
import { api, jobFinished, shopWorkflow, shopWorkflowOverApi } from './support/shop-crawl';

const ROOT = join(__dirname, '..');
const PEERS = join(ROOT, 'bench', 'peers');

const settings = benchSettings();
const ROUNDS = Number(settings.rounds ?? 2);
const PAGES = Number(settings.pages ?? 250);
const ITEMS = Number(settings.items ?? 20);
const CONCURRENCY = Number(settings.concurrency ?? 50);
const RUNS = (settings.runs ?? 'crawlee,bare,default,raised,standalone').split(',');
const REPLICAS = {
  fetch: Number(settings.fetchWorkers ?? 1),
  parse: Number(settings.parseWorkers ?? 1),
  orchestrators: Number(settings.orchestrators ?? 1),
};

interface RoundFigures {
  run: string;
  pages: number;
  records: number;
  seconds: number;
  /** CPU seconds by part. */
  cpu: Record<string, number>;
  busy: number;
  hops?: HopBreakdown;
  /** What the database server did during the job (growth of its global counters). */
  database?: Record<string, number>;
}

function ensurePeers(): void {
  if (existsSync(join(PEERS, 'node_modules', 'crawlee'))) return;
  process.stdout.write('installing Crawlee into bench/peers (once)…\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', PEERS], { stdio: 'inherit' });
}

/** Runs a peer crawler in a process of its own; it prints one JSON line of figures. */
async function runPeer(run: string, args: string[]): Promise<RoundFigures> {
  const machine = machineMeter();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const busy = machine();
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`${run} exited with ${code}: ${out}`);
  const figures = JSON.parse(line) as { pages: number; records: number; ms: number; cpuMs: number };
  return {
    run,
    pages: figures.pages,
    records: figures.records,
    seconds: figures.ms / 1000,
    cpu: { crawler: figures.cpuMs / 1000 },
    busy,
  };
}

const crawleeRound = (shop: SampleShop): Promise<RoundFigures> =>
  runPeer('crawlee', [join(PEERS, 'crawlee-race.mjs'), shop.url, String(CONCURRENCY)]);

const bareRound = (shop: SampleShop): Promise<RoundFigures> =>
  runPeer('bare', [
    '-r',
    '@swc-node/register',
    join(ROOT, 'bench', 'race', 'bare-loop.ts'),
    shop.url,
    String(CONCURRENCY),
  ]);

/** Extra replicas beside the cluster's one of each app. */
function replicaApps(): ClusterApp[] {
  return [
    ...Array<ClusterApp>(Math.max(0, REPLICAS.orchestrators - 1)).fill('orchestrator'),
    ...Array<ClusterApp>(Math.max(0, REPLICAS.fetch - 1)).fill('fetch-worker'),
    ...Array<ClusterApp>(Math.max(0, REPLICAS.parse - 1)).fill('parse-worker'),
  ];
}

async function crawlflowRound(shop: SampleShop, run: 'default' | 'raised'): Promise<RoundFigures> {
  const [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
  const env: Record<string, string> = {
    DATABASE_URL: db.config.url,
    AMQP_URL: vhost.url,
    FETCH_ALLOW_HOSTS: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...(run === 'raised' ? { FETCH_HOST_CONCURRENCY: String(CONCURRENCY) } : {}),
  };
  const clusters: AppCluster[] = [];
  try {
    const cluster = await startAppCluster(env);
    clusters.push(cluster);
    for (const app of replicaApps()) clusters.push(await startAppCluster(env, [app]));
    const workflowId = await shopWorkflow(db, shop, 'race');
    if (run === 'raised') {
      await api(cluster, 'PUT', `/api/workflows/${workflowId}/parallelism`, {
        max_parallel_jobs: 5,
        max_parallel_tasks: CONCURRENCY,
      });
    }
    const pids = (app: ClusterApp): number[] =>
      clusters.flatMap((c) => {
        try {
          return [c.process(app).pid];
        } catch {
          return [];
        }
      });
    const meter = cpuMeter({
      database: () => [databasePid()],
      broker: () => [brokerPid()],
      orchestrator: () => pids('orchestrator'),
      'fetch-worker': () => pids('fetch-worker'),
      'parse-worker': () => pids('parse-worker'),
      'store-worker': () => pids('store-worker'),
      scheduler: () => pids('scheduler'),
    });
    const machine = machineMeter();
    const load = await databaseLoad(db.dataSource);
    const job = await api<{ id: string }>(cluster, 'POST', `/api/workflows/${workflowId}/jobs`, {});
    await jobFinished(cluster, String(job.id));
    const cpu = meter();
    const busy = machine();
    const database = await load();
    const hops = await hopBreakdown(db.dataSource, String(job.id));
    return {
      run,
      pages: hops.fetches,
      records: hops.stored,
      seconds: hops.jobSeconds,
      cpu,
      busy,
      hops,
      database,
    };
  } finally {
    for (const cluster of clusters.reverse()) await cluster.stop();
    await db.drop();
    await vhost.delete();
  }
}

/** The default limits in the standalone process: SQLite in a fresh data directory, the in-process bus. */
async function standaloneRound(shop: SampleShop): Promise<RoundFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-race-'));
  try {
    const standalone = await startStandalone({ CRAWLFLOW_DATA_DIR: dataDir, FETCH_ALLOW_HOSTS: '127.0.0.1' });
    let jobId: string;
    let cpu: Record<string, number>;
    let busy: number;
    try {
      const workflowId = await shopWorkflowOverApi(standalone, shop, 'race');
      const meter = cpuMeter({ standalone: () => [standalone.process.pid] });
      const machine = machineMeter();
      const job = await api<{ id: string }>(standalone, 'POST', `/api/workflows/${workflowId}/jobs`, {});
      jobId = String(job.id);
      await jobFinished(standalone, jobId);
      cpu = meter();
      busy = machine();
    } finally {
      await standalone.stop();
    }
    // The file is the process's alone while it runs (one writer): read the timestamps after it stopped.
    const dataSource = createDataSource(
      loadDatabaseConfig({ DATABASE_URL: `sqlite:${join(dataDir, 'crawlflow.db')}` }),
    );
    await dataSource.initialize();
    try {
      const hops = await hopBreakdown(dataSource, jobId);
      return {
        run: 'standalone',
        pages: hops.fetches,
        records: hops.stored,
        seconds: hops.jobSeconds,
        cpu,
        busy,
        hops,
      };
    } finally {
      await dataSource.destroy();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function cpuPerPage(figures: RoundFigures): number {
  const total = Object.values(figures.cpu).reduce((a, b) => a + b, 0);
  return (total * 1000) / figures.pages;
}

function describe(figures: RoundFigures): string {
  const rate = figures.pages / figures.seconds;
  const parts = Object.entries(figures.cpu)
    .filter(([, seconds]) => seconds > 0)
    .map(([part, seconds]) => `${part} ${((seconds * 1000) / figures.pages).toFixed(2)}`)
    .join(', ');
  return (
    `${figures.run.padEnd(8)} ${rate.toFixed(0).padStart(6)} pages/s  ${String(figures.pages).padStart(5)} pages ` +
    `${String(figures.records).padStart(5)} records in ${figures.seconds.toFixed(1)} s; ` +
    `CPU ${cpuPerPage(figures).toFixed(2)} ms/page (${parts}); machine ${(figures.busy * 100).toFixed(0)}% busy`
  );
}

function describeHops(hops: HopBreakdown, database?: Record<string, number>): string[] {
  const ms = (v: number): string => `${v.toFixed(0)}`;
  const per = (total: number, by: number): string => (total / by).toFixed(total / by < 10 ? 1 : 0);
  return [
    ...(database
      ? [
          `           database, per second: ${Object.entries(database)
            .map(([name, total]) => `${per(total, hops.jobSeconds)} ${name}`)
            .join(', ')}`,
          `           database, per page: ${per(database.statements, hops.fetches)} statements, ` +
            `${per(database.commits, hops.fetches)} commits; per task: ${per(database.statements, hops.tasks)} statements`,
        ]
      : []),
    `           hop segments, ms p50/p95 (${hops.tasks} tasks):`,
    ...hops.segments.map(
      (s) => `             ${s.name.padEnd(32)} ${ms(s.p50).padStart(5)} / ${ms(s.p95).padStart(5)}`,
    ),
  ];
}

async function main(): Promise<void> {
  if (RUNS.includes('crawlee')) ensurePeers();
  const shop = await startSampleShop({ pages: PAGES, itemsPerPage: ITEMS });
  process.stdout.write(
    `race: ${PAGES} list pages × ${ITEMS} products (${PAGES * (ITEMS + 1)} pages), ${ROUNDS} rounds, ` +
      `runs ${RUNS.join(', ')}; Crawlee and bare loop at concurrency ${CONCURRENCY}; crawlflow replicas: ` +
      `${REPLICAS.orchestrators} orchestrator(s), ${REPLICAS.fetch} fetch-, ${REPLICAS.parse} parse-worker(s)\n`,
  );
  const results: RoundFigures[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round += 1) {
      // Alternate the order so that no contender always runs on a warmer (or more tired) machine.
      const order = round % 2 === 1 ? RUNS : [...RUNS].reverse();
      for (const run of order) {
        const figures =
          run === 'crawlee'
            ? await crawleeRound(shop)
            : run === 'bare'
              ? await bareRound(shop)
              : run === 'standalone'
                ? await standaloneRound(shop)
                : await crawlflowRound(shop, run === 'raised' ? 'raised' : 'default');
        results.push(figures);
        process.stdout.write(`round ${round} ${describe(figures)}\n`);
        if (figures.hops)
          for (const line of describeHops(figures.hops, figures.database)) process.stdout.write(`${line}\n`);
      }
    }
  } finally {
    await shop.close();
  }
  const medianRate = (run: string): number =>
    median(results.filter((r) => r.run === run).map((r) => r.pages / r.seconds));
  const crawlee = medianRate('crawlee');
  process.stdout.write('\nmedians:\n');
  for (const run of RUNS) {
    const rate = medianRate(run);
    const cpu = median(results.filter((r) => r.run === run).map(cpuPerPage));
    const ratio = Number.isFinite(crawlee) ? `  ${(rate / crawlee).toFixed(2)}× Crawlee` : '';
    process.stdout.write(
      `  ${run.padEnd(8)} ${rate.toFixed(0).padStart(6)} pages/s${ratio}  CPU ${cpu.toFixed(2)} ms/page\n`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
