import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startSampleShop, type SampleShop } from '@crawlflow/sample-shop';
import {
  type AppCluster,
  createTestDatabase,
  createTestVhost,
  killAllSpawned,
  startAppCluster,
  type TestDatabase,
  type TestVhost,
  waitFor,
} from '@crawlflow/testing';
import { type Browser, chromium, type Page } from 'playwright-core';

jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '../../..');
const TOKEN = 'console-e2e-token';
/** Debian's Chromium (`apt-get install chromium`); never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Set to a directory (docs/console) to write a screenshot of every page there. */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS;

const LIST_DETAIL_STORE = {
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
};

interface JobBody {
  id: string;
  status: string;
  execution: { status: string } | null;
}

/**
 * The operator console in a real browser (Debian's Chromium, headless) against the five apps: the
 * orchestrator serves it at /console/, the token is asked for, a finished job's items are read,
 * and running jobs are cancelled, paused and resumed from their pages.
 */
describe('the operator console in a browser', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let cluster: AppCluster;
  let fastShop: SampleShop;
  let slowShop: SampleShop;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`,
      );
    }
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    fastShop = await startSampleShop({ pages: 3, itemsPerPage: 5 });
    // Every detail page answers slowly: its jobs run for minutes unless the test stops them.
    slowShop = await startSampleShop({
      pages: 20,
      itemsPerPage: 20,
      slow: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [i + 1, 1500])),
    });
    cluster = await startAppCluster({
      DATABASE_URL: db.config.url,
      AMQP_URL: vhost.url,
      FETCH_ALLOW_HOSTS: '127.0.0.1',
      API_TOKEN: TOKEN,
      // Two fetches at a time per host: the slow shop's jobs run for minutes, whatever the machine's load.
      FETCH_HOST_CONCURRENCY: '2',
    });
    base = `http://127.0.0.1:${cluster.basePort}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
    await killAllSpawned();
    await fastShop?.close();
    await slowShop?.close();
    await db?.drop();
    await vhost?.delete();
  });

  async function call<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
    const response = await fetch(`${base}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  async function startJob(workflowId: string, shop: SampleShop): Promise<string> {
    const job = await call<{ id: string }>(`/workflows/${workflowId}/jobs`, 'POST', {
      params: { base_url: shop.url },
    });
    return job.id;
  }

  function jobReaches(id: string, accept: (job: JobBody) => boolean, what: string): Promise<JobBody> {
    return waitFor(
      async () => {
        const job = await call<JobBody>(`/jobs/${id}`);
        return accept(job) ? job : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200, what },
    );
  }

  /** A page that records its errors and every request that leaves the orchestrator's origin. */
  async function openPage(width = 1400, height = 900) {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A refused token is a 401 the page expects; the browser logs it as a failed resource.
      if (message.type() === 'error' && !message.text().includes('status of 401'))
        problems.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${base}/`) && !url.startsWith('data:'))
        problems.push(`request to another origin: ${url}`);
    });
    return { page, problems, close: () => context.close() };
  }

  async function shoot(page: Page, name: string): Promise<void> {
    if (!SCREENSHOTS) return;
    const dir = resolve(ROOT, SCREENSHOTS);
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/console/`);
    const field = page.getByLabel('API token');
    await field.fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong token' }).waitFor();
    await shoot(page, 'sign-in');
    await field.fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  }

  /** Follows a link of the top navigation. */
  function nav(page: Page, label: string): Promise<void> {
    return page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: label, exact: true })
      .click();
  }

  /** Clicks a job control and confirms it in the dialog. */
  async function control(page: Page, label: 'Cancel' | 'Pause' | 'Resume'): Promise<void> {
    const button = page
      .getByRole('group', { name: 'Job controls' })
      .getByRole('button', { name: label, exact: true });
    await expectEnabled(button);
    await button.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: `${label} job` }).click();
    await dialog.waitFor({ state: 'hidden' });
  }

  async function expectEnabled(locator: ReturnType<Page['getByRole']>): Promise<void> {
    await waitFor(async () => locator.isEnabled(), {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: 'the control enabled',
    });
  }

  async function badge(page: Page, status: string): Promise<void> {
    await page
      .getByRole('heading', { level: 1 })
      .locator('.badge', { hasText: status })
      .waitFor({ timeout: 30_000 });
  }

  it('asks for the token, shows a finished job and its items, cancels, pauses and resumes', async () => {
    const workflow = await call<{ id: string }>('/workflows', 'POST', {
      workflow_name: 'shop-products',
      workflow_type: 'FULL_SCAN',
      workflow_definition: LIST_DETAIL_STORE,
    });
    // A second version, so that the workflow page has a diff to show.
    const v2 = structuredClone(LIST_DETAIL_STORE);
    v2.steps[0].config.max_pages = 50;
    await call(`/workflows/${workflow.id}`, 'PUT', { workflow_definition: v2 });
    const schedule = await call<{ id: string }>('/schedules', 'POST', {
      workflow_id: workflow.id,
      schedule_type: 'FIXED',
      cron_expression: '0 9 * * 1-5',
      timezone: 'Asia/Seoul',
    });

    const finished = await startJob(workflow.id, fastShop);
    await jobReaches(finished, (job) => job.status === 'SUCCESS', 'the fast job SUCCESS');
    const toCancel = await startJob(workflow.id, slowShop);
    const toPause = await startJob(workflow.id, slowShop);
    for (const id of [toCancel, toPause])
      await jobReaches(id, (job) => job.status === 'RUNNING', `job ${id} RUNNING`);

    const { page, problems, close } = await openPage();
    try {
      await signIn(page);
      await page.locator('.figure-value').first().waitFor();
      // The depth chart draws once the page has polled twice.
      await page
        .getByRole('img', { name: /^Queue depth per tier/ })
        .locator('canvas')
        .waitFor({ timeout: 15_000 });
      await shoot(page, 'overview');

      // Jobs: the list filtered to finished jobs, then the job's page from its link.
      await nav(page, 'Jobs');
      await page.getByLabel('Status').selectOption('SUCCESS');
      await page.waitForURL(/\/console\/jobs\?status=SUCCESS$/);
      await page.getByRole('link', { name: `#${finished}`, exact: true }).click();
      await page.waitForURL(`${base}/console/jobs/${finished}`);
      await badge(page, 'SUCCESS');
      const items = page.getByRole('table', { name: 'Items' });
      await items.getByRole('columnheader', { name: 'name', exact: true }).waitFor();
      await items.getByRole('cell', { name: 'Product 7', exact: true }).waitFor();
      const row = items
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: 'Product 7', exact: true }) });
      await expect(row.getByRole('cell', { name: 'SKU-00007', exact: true }).count()).resolves.toBe(2); // key and sku
      await page.getByRole('rowheader', { name: 'fetch_detail' }).waitFor();
      await expect(page.getByRole('button', { name: 'Cancel', exact: true }).isDisabled()).resolves.toBe(
        true,
      );
      await shoot(page, 'job');

      // A deep link to a running job: cancelled from its page.
      await page.goto(`${base}/console/jobs/${toCancel}`);
      await badge(page, 'RUNNING');
      await control(page, 'Cancel');
      await badge(page, 'CANCELLED');
      await jobReaches(toCancel, (job) => job.status === 'CANCELLED', 'the job CANCELLED by the API');

      // Another one paused and resumed.
      await page.goto(`${base}/console/jobs/${toPause}`);
      await badge(page, 'RUNNING');
      await control(page, 'Pause');
      await badge(page, 'PAUSED');
      await jobReaches(toPause, (job) => job.execution?.status === 'PAUSED', 'the job PAUSED by the API');
      await expectEnabled(page.getByRole('button', { name: 'Resume', exact: true }));
      await control(page, 'Resume');
      await badge(page, 'RUNNING');
      await jobReaches(
        toPause,
        (job) => job.status === 'RUNNING' && job.execution?.status !== 'PAUSED',
        'the job resumed by the API',
      );
      await shoot(page, 'job-running');

      // The jobs list, the workflow with its versions' diff, the schedule, the queues.
      await nav(page, 'Jobs');
      await page.getByRole('table').first().waitFor();
      await shoot(page, 'jobs');

      await page.goto(`${base}/console/workflows/${workflow.id}`);
      await page.getByRole('heading', { name: /shop-products/ }).waitFor();
      await page.getByLabel('Changes from v1 to v2').getByText('+       "max_pages": 50').waitFor();
      await shoot(page, 'workflow');

      await page.goto(`${base}/console/schedules/${schedule.id}`);
      const fireTimes = page.getByRole('region', { name: 'Next fire times (Asia/Seoul)' }).locator('li');
      await waitFor(async () => (await fireTimes.count()) === 5, {
        timeoutMs: 10_000,
        intervalMs: 100,
        what: 'five fire times',
      });
      await expect(fireTimes.first().textContent()).resolves.toMatch(/09:00:00 GMT\+9/);
      await shoot(page, 'schedule');
      const scheduleControls = page.getByRole('group', { name: 'Schedule controls' });
      await scheduleControls.getByRole('button', { name: 'Pause' }).click();
      await badge(page, 'PAUSED');
      await expect(call<{ is_active: boolean }>(`/schedules/${schedule.id}`)).resolves.toMatchObject({
        is_active: false,
      });
      await scheduleControls.getByRole('button', { name: 'Resume' }).click();
      await badge(page, 'ACTIVE');
      await waitFor(async () => (await fireTimes.count()) === 5, {
        timeoutMs: 10_000,
        intervalMs: 100,
        what: 'five fire times again',
      });

      // A DYNAMIC schedule (inactive: it never fires here) with the interval history its jobs
      // would have written: the page charts it.
      const dynamic = await call<{ id: string }>('/schedules', 'POST', {
        workflow_id: workflow.id,
        schedule_type: 'DYNAMIC',
        interval_seconds: 3600,
        min_interval_seconds: 600,
        max_interval_seconds: 86_400,
        is_active: false,
      });
      // One change per job (the table keys them by job): three of them.
      const intervals = [3600, 1800, 900, 1800];
      const jobs = [finished, toCancel, toPause];
      for (let i = 1; i < intervals.length; i += 1) {
        await db.dataSource.query(
          `INSERT INTO schedule_interval_history
             (schedule_id, job_id, job_status, changed_items, old_interval_seconds, new_interval_seconds, created_at)
           VALUES (?, ?, 'SUCCESS', ?, ?, ?, NOW(3) - INTERVAL ? HOUR)`,
          [
            dynamic.id,
            jobs[i - 1],
            intervals[i] < intervals[i - 1] ? 12 : 0,
            intervals[i - 1],
            intervals[i],
            (intervals.length - i) * 3,
          ],
        );
      }
      await page.goto(`${base}/console/schedules/${dynamic.id}`);
      await page.getByRole('img', { name: 'Revisit interval after each job' }).locator('canvas').waitFor();
      const history = page.getByRole('region', { name: 'Interval history' }).locator('tbody tr');
      await expect(history.count()).resolves.toBe(intervals.length - 1);
      await shoot(page, 'schedule-dynamic');

      await nav(page, 'Queues');
      await page.getByRole('cell', { name: 'crawl.fetch.normal' }).waitFor();
      await shoot(page, 'queues');

      await nav(page, 'Workflows');
      await page.getByRole('link', { name: 'shop-products' }).waitFor();
      await nav(page, 'Schedules');
      await page.getByRole('link', { name: `#${schedule.id}`, exact: true }).waitFor();
      await nav(page, 'Overview');
      await page.getByRole('heading', { name: 'Overview' }).waitFor();

      expect(problems).toEqual([]);
    } finally {
      await close();
    }
    await call(`/jobs/${toPause}/cancel`, 'POST');
  });

  it('works at a phone width and keeps the token for the session only', async () => {
    const { page, problems, close } = await openPage(390, 844);
    try {
      await signIn(page);
      await nav(page, 'Jobs');
      await page.getByRole('heading', { name: 'Jobs' }).waitFor();
      // The jobs of the test before, or (run alone) the empty list's message.
      await page.locator('table, .empty').first().waitFor();
      // The page fits the screen: only the tables scroll sideways, inside their own boxes.
      // Evaluated in the page (a string: this file is compiled without the DOM's types).
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await shoot(page, 'jobs-phone');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
    // A new browser context is a new session: the token is asked for again.
    const fresh = await openPage();
    try {
      await fresh.page.goto(`${base}/console/jobs`);
      await fresh.page.getByLabel('API token').waitFor();
    } finally {
      await fresh.close();
    }
  });
});
