import {
  createTestDatabase,
  createTestVhost,
  EngineSide,
  insertSource,
  insertWorkflowWithDefinition,
  startEngineSide,
  startRoutedServer,
  startStepWorkers,
  StepWorkers,
  TestDatabase,
  TestVhost,
  waitFor,
  type RouteHandler,
  type RoutedServer,
} from '@crawlflow/testing';
import { createJob } from '../jobs/job-factory';

jest.setTimeout(120_000);

// Exponential for a backtracking engine on EVIL (2^34 ways to fail), linear for RE2. Every pattern
// here is valid RE2 syntax, so the definition parser lets each one through.
const EVIL = `${'a'.repeat(34)}!`;
const EVIL_URL_PATTERN = '^http://[^/]+/(a|a)+$';
// The engine, workers and the code choosing a mapping all share this process: a regex that pins
// the CPU stops this timer too.
const MAX_EVENT_LOOP_GAP_MS = 3000;

const page = (body: string) => `<!doctype html><html><body>${body}</body></html>`;
const fetchText = { name: 'fetch', type: 'FETCH', config: { url_pattern: '{base_url}/text' } };
const parseText = {
  name: 'parse',
  type: 'PARSE',
  config: { parser: 'html', selectors: { text: '.payload' } },
};

interface JobRow {
  status: string;
  workflow_id: string;
  error_summary: string | null;
}

describe('user regexes on RE2', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let engine: EngineSide;
  let workers: StepWorkers;
  let site: RoutedServer;
  let source: string;

  beforeAll(async () => {
    [db, vhost, site] = await Promise.all([createTestDatabase(), createTestVhost(), startRoutedServer()]);
    const html =
      (body: string): RouteHandler =>
      (_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end(page(body));
    site.routes.set('/text', html(`<p class="payload">${EVIL}</p>`));
    site.routes.set('/site', html(`<a href="/${EVIL}">evil</a> <a href="/${'a'.repeat(34)}">plain</a>`));
    site.routes.set(`/${EVIL}`, html('<h1>out of scope</h1>'));
    site.routes.set(`/${'a'.repeat(34)}`, html('<h1>in scope</h1>'));
    source = await insertSource(db.dataSource, site.base);
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

  async function job(id: string): Promise<JobRow> {
    const [row] = await db.dataSource.query(
      'SELECT status, workflow_id, error_summary FROM crawling_jobs WHERE id = ?',
      [id],
    );
    return row;
  }

  const finished = (id: string) =>
    waitFor(
      async () => {
        const row = await job(id);
        return ['SUCCESS', 'FAILED', 'CANCELLED'].includes(row.status) ? row : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `job ${id} to finish` },
    );

  const run = async (input: { workflowId?: string; targetId?: string }) =>
    (await db.dataSource.transaction((m) => createJob(m, input))).id;

  const workflow = (steps: Array<Record<string, unknown> & { name: string; type: string }>) =>
    insertWorkflowWithDefinition(db.dataSource, { steps }, { sourceId: source });

  async function parsedRecords(jobId: string): Promise<Array<Record<string, unknown>>> {
    const rows: Array<{ output_data: string }> = await db.dataSource.query(
      "SELECT output_data FROM crawling_tasks WHERE job_id = ? AND task_type = 'PARSE' AND status = 'SUCCESS'",
      [jobId],
    );
    return rows.flatMap((row) => JSON.parse(row.output_data).records ?? []);
  }

  it('a catastrophic regex in each place a user can write one: the job ends, the process keeps answering', async () => {
    let last = Date.now();
    let maxGap = 0;
    const ticker = setInterval(() => {
      const now = Date.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 20);
    try {
      const transform = await workflow([
        fetchText,
        parseText,
        {
          name: 'transform',
          type: 'TRANSFORM',
          config: {
            operations: [
              { op: 'regex_replace', field: 'text', pattern: '^(a|a)+$', replacement: 'matched' },
              { op: 'regex_replace', field: 'text', pattern: '^(a+)(!)$', replacement: '$2$1' },
            ],
          },
        },
      ]);
      const crawl = await workflow([
        {
          name: 'crawl',
          type: 'FETCH',
          config: {
            url_pattern: '{base_url}/site',
            crawl: { scope: 'pattern', pattern: EVIL_URL_PATTERN, max_depth: 1, max_pages: 10 },
          },
        },
        { name: 'parse', type: 'PARSE', config: { parser: 'html', selectors: { heading: 'h1' } } },
      ]);
      const validate = await workflow([
        fetchText,
        parseText,
        {
          name: 'validate',
          type: 'VALIDATE',
          error_handling: 'SKIP',
          config: {
            schema: { type: 'object', properties: { text: { type: 'string', pattern: '^(a|a)+$' } } },
          },
        },
      ]);
      const [transformJob, crawlJob, validateJob] = await Promise.all(
        [transform, crawl, validate].map((workflowId) => run({ workflowId })),
      );

      const type: { insertId: number } = await db.dataSource.query(
        "INSERT INTO target_types (code, name) VALUES ('page', 'page')",
      );
      const evilMapped = await workflow([fetchText, parseText]);
      const fallback = await workflow([fetchText, parseText]);
      await db.dataSource.query(
        `INSERT INTO target_workflow_mappings (target_type_id, workflow_id, condition_expression, priority)
         VALUES (?, ?, ?, 10), (?, ?, NULL, 0)`,
        [type.insertId, evilMapped, `target.url matches '${EVIL_URL_PATTERN}'`, type.insertId, fallback],
      );
      const target: { insertId: number } = await db.dataSource.query(
        'INSERT INTO crawl_targets (source_id, target_type_id, url, name) VALUES (?, ?, ?, ?)',
        [source, type.insertId, `${site.base}/${EVIL}`, 'evil'],
      );
      const mappedJob = await run({ targetId: String(target.insertId) });

      const [transformed, crawled, validated, mapped] = await Promise.all(
        [transformJob, crawlJob, validateJob, mappedJob].map(finished),
      );
      expect(transformed.status).toBe('SUCCESS');
      expect(await parsedRecords(transformJob)).toEqual([{ text: `!${'a'.repeat(34)}` }]);

      expect(crawled.status).toBe('SUCCESS');
      const paths = site.requests.map((req) => req.url);
      expect(paths).toContain(`/${'a'.repeat(34)}`);
      expect(paths).not.toContain(`/${EVIL}`);

      expect(validated.status).toBe('SUCCESS');
      const [execution] = await db.dataSource.query(
        'SELECT context FROM workflow_executions WHERE job_id = ?',
        [validateJob],
      );
      expect(JSON.parse(execution.context).rejected_records).toBe(1);

      expect(mapped.status).toBe('SUCCESS');
      expect(String(mapped.workflow_id)).toBe(fallback);
      expect(maxGap).toBeLessThan(MAX_EVENT_LOOP_GAP_MS);
    } finally {
      clearInterval(ticker);
    }
  });

  it('a pattern stored before RE2 was required fails its job with a permanent, clear reason', async () => {
    const stored = [
      {
        steps: [
          fetchText,
          parseText,
          {
            name: 'transform',
            type: 'TRANSFORM',
            config: { operations: [{ op: 'regex_replace', field: 'text', pattern: '(a)\\1', flags: 'g' }] },
          },
        ],
        reason: /steps\[2\]\.config\.operations\[0\]\.pattern: invalid regular expression: a backreference/,
      },
      {
        steps: [
          {
            ...fetchText,
            config: { url_pattern: '{base_url}/site', crawl: { scope: 'pattern', pattern: '(?<=/)a' } },
          },
          parseText,
        ],
        reason: /steps\[0\]\.config\.crawl\.pattern: invalid regular expression: a lookbehind/,
      },
      {
        steps: [
          fetchText,
          parseText,
          {
            name: 'validate',
            type: 'VALIDATE',
            config: { schema: { properties: { text: { pattern: 'a(?=!)' } } } },
          },
        ],
        reason:
          /steps\[2\]\.config\.schema\.properties\.text\.pattern: invalid regular expression: a lookahead/,
      },
    ];
    const jobs = await Promise.all(
      stored.map(async ({ steps }) => run({ workflowId: await workflow(steps) })),
    );
    const rows = await Promise.all(jobs.map(finished));
    rows.forEach((row, i) => {
      expect(row.status).toBe('FAILED');
      expect(row.error_summary).toMatch(/^cannot load the workflow: /);
      expect(row.error_summary).toMatch(stored[i].reason);
    });
    const [tasks] = await db.dataSource.query(
      'SELECT COUNT(*) AS n FROM crawling_tasks WHERE job_id IN (?)',
      [jobs],
    );
    expect(Number(tasks.n)).toBe(0);

    const type: { insertId: number } = await db.dataSource.query(
      "INSERT INTO target_types (code, name) VALUES ('stored', 'stored')",
    );
    await db.dataSource.query(
      'INSERT INTO target_workflow_mappings (target_type_id, workflow_id, condition_expression) VALUES (?, ?, ?)',
      [type.insertId, await workflow([fetchText, parseText]), "target.url matches '^http://(?!admin)'"],
    );
    const target: { insertId: number } = await db.dataSource.query(
      'INSERT INTO crawl_targets (source_id, target_type_id, url) VALUES (?, ?, ?)',
      [source, type.insertId, `${site.base}/text`],
    );
    await expect(run({ targetId: String(target.insertId) })).rejects.toMatchObject({
      kind: 'unprocessable',
      message: expect.stringMatching(
        /1 cannot run \(workflow \d+: invalid condition at position 12: .*negative lookahead/,
      ),
    });
  });
});
