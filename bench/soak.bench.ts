/**
 * The soak: the five apps as processes crawl the local shop job after job (the demo's workflow, two
 * jobs at a time, parallelism raised) until `tasks` ledger entries have run, sampling each app's
 * resident memory. Prints throughput per stretch, and each app's RSS once warm (after the first
 * tenth of the tasks), at its highest and at the end, with the growth from warm to the end.
 *
 * `node -r @swc-node/register bench/soak.bench.ts [key=value ...]`, keys (defaults):
 *   tasks=1000000 pages=250 items=20 jobs=2 (at once) concurrency=50 (max_parallel_tasks and
 *   FETCH_HOST_CONCURRENCY) sampleMs=5000
 */
import { readFileSync } from 'node:fs';
import { startSampleShop } from '@crawlflow/sample-shop';
import {
  CLUSTER_APPS,
  createTestDatabase,
  createTestVhost,
  startAppCluster,
  type AppCluster,
  type ClusterApp,
} from '@crawlflow/testing';
import { median } from './support/cpu-meter';
import { benchSettings } from './support/settings';
import { api, jobFinished, shopWorkflow } from './support/shop-crawl';

const settings = benchSettings();
const TASKS = Number(settings.tasks ?? 1_000_000);
const PAGES = Number(settings.pages ?? 250);
const ITEMS = Number(settings.items ?? 20);
const JOBS = Number(settings.jobs ?? 2);
const CONCURRENCY = Number(settings.concurrency ?? 50);
const SAMPLE_MS = Number(settings.sampleMs ?? 5000);

/** Resident set size of a process in MB (Linux /proc), 0 once it is gone. */
function rssMb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface Sample {
  tasks: number;
  seconds: number;
  rss: Record<string, number>;
}

async function tasksRun(db: Awaited<ReturnType<typeof createTestDatabase>>): Promise<number> {
  const [row] = await db.dataSource.query<Array<{ n: string | null }>>(
    'SELECT SUM(processed_items) AS n FROM crawling_jobs',
  );
  return Number(row.n ?? 0);
}

async function main(): Promise<void> {
  const shop = await startSampleShop({ pages: PAGES, itemsPerPage: ITEMS });
  const [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
  let cluster: AppCluster | undefined;
  const samples: Sample[] = [];
  try {
    cluster = await startAppCluster({
      DATABASE_URL: db.config.url,
      AMQP_URL: vhost.url,
      FETCH_ALLOW_HOSTS: '127.0.0.1',
      LOG_LEVEL: 'warn',
      FETCH_HOST_CONCURRENCY: String(CONCURRENCY),
    });
    const running = cluster;
    const workflowId = await shopWorkflow(db, shop, 'soak');
    await api(running, 'PUT', `/api/workflows/${workflowId}/parallelism`, {
      max_parallel_jobs: Math.max(5, JOBS),
      max_parallel_tasks: CONCURRENCY,
    });
    process.stdout.write(
      `soak: ${TASKS} tasks, jobs of ${PAGES} list pages × ${ITEMS} products, ${JOBS} at a time, ` +
        `max_parallel_tasks and host concurrency ${CONCURRENCY}\n`,
    );
    const started = performance.now();
    let done = 0;
    let jobs = 0;
    const sample = async (): Promise<void> => {
      done = await tasksRun(db);
      const rss = Object.fromEntries(
        CLUSTER_APPS.map((app: ClusterApp) => [app, rssMb(running.process(app).pid)]),
      );
      samples.push({ tasks: done, seconds: (performance.now() - started) / 1000, rss });
      const last = samples.at(-1) as Sample;
      const previous = samples.at(-2);
      const rate = previous ? (last.tasks - previous.tasks) / (last.seconds - previous.seconds) : 0;
      process.stdout.write(
        `${last.seconds.toFixed(0).padStart(5)} s ${String(last.tasks).padStart(8)} tasks ` +
          `${rate.toFixed(0).padStart(5)} tasks/s  RSS MB: ${Object.entries(rss)
            .map(([app, mb]) => `${app} ${mb.toFixed(0)}`)
            .join(', ')}\n`,
      );
    };
    const timer = setInterval(() => void sample(), SAMPLE_MS);
    // A lane starts the next job as soon as its last one ended, until enough tasks have run.
    const lane = async (): Promise<void> => {
      while (done < TASKS) {
        const job = await api<{ id: string }>(running, 'POST', `/api/workflows/${workflowId}/jobs`, {});
        jobs += 1;
        await jobFinished(running, String(job.id));
        done = await tasksRun(db);
      }
    };
    await Promise.all(Array.from({ length: JOBS }, lane));
    clearInterval(timer);
    await sample();
    if (!running.allRunning()) throw new Error(`an app stopped during the soak:\n${running.output()}`);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `\n${done} tasks in ${jobs} jobs, ${seconds.toFixed(0)} s: ${(done / seconds).toFixed(0)} tasks/s\n`,
    );
    const warm = samples.find((s) => s.tasks >= TASKS / 10) ?? samples[0];
    const end = samples.at(-1) as Sample;
    process.stdout.write(
      `RSS MB (warm at ${warm.tasks} tasks → end; median and highest after warm), growth warm → end:\n`,
    );
    for (const app of CLUSTER_APPS) {
      const after = samples.filter((s) => s.tasks >= warm.tasks).map((s) => s.rss[app]);
      const highest = Math.max(...after);
      const growth = (end.rss[app] / Math.max(1, warm.rss[app]) - 1) * 100;
      process.stdout.write(
        `  ${app.padEnd(13)} ${warm.rss[app].toFixed(0).padStart(5)} → ${end.rss[app].toFixed(0).padStart(5)}; ` +
          `median ${median(after).toFixed(0).padStart(5)}, highest ${highest.toFixed(0).padStart(5)}; growth ${growth >= 0 ? '+' : ''}${growth.toFixed(1)}%\n`,
      );
    }
  } finally {
    await cluster?.stop();
    await db.drop();
    await vhost.delete();
    await shop.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
