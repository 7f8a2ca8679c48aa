import { emptyState, type ExecutionState } from './execution-state';
import { jobFacts, listDetailStore, scopesOf, WORKFLOW_ID, WORKFLOW_VERSION } from './execution.fixtures';
import { admitLinks, jobOutcome, pageFetch, type JobFacts, type Link } from './job-reducer';

/** A running job 6 tasks of 10 into its work. */
const job = (fields: Partial<JobFacts> = {}): JobFacts => jobFacts({ processedItems: 6, ...fields });

const delta = (fields: {
  processed?: number;
  added?: number;
  failReason?: string;
  state?: ExecutionState;
}) => ({
  processed: 0,
  failed: 0,
  added: 0,
  state: emptyState(),
  ...fields,
});

const failing = (hard: number, skipped = 0): ExecutionState => ({
  ...emptyState(),
  hard_failures: hard,
  skipped_failures: skipped,
});

describe('jobOutcome', () => {
  it('adds the planned tasks to the total and the processed results to the done count', () => {
    expect(jobOutcome(job(), delta({ processed: 2, added: 3 }))).toEqual({ total: 13, done: 8 });
  });

  it('all work done without hard failures: SUCCESS', () => {
    expect(jobOutcome(job(), delta({ processed: 4 }))).toEqual({
      total: 10,
      done: 10,
      end: { status: 'SUCCESS' },
    });
  });

  it('all work done with skipped failures only: still SUCCESS', () => {
    expect(jobOutcome(job(), delta({ processed: 4, state: failing(0, 3) })).end).toEqual({
      status: 'SUCCESS',
    });
  });

  it('all work done after a hard failure: FAILED, without a FAIL step reason', () => {
    expect(jobOutcome(job(), delta({ processed: 4, state: failing(1) })).end).toEqual({ status: 'FAILED' });
  });

  it('a FAIL step ends the job at once, with its reason, though work remains', () => {
    expect(jobOutcome(job(), delta({ processed: 1, failReason: 'fetch: HTTP_500 boom' }))).toEqual({
      total: 10,
      done: 7,
      end: { status: 'FAILED', failReason: 'fetch: HTTP_500 boom' },
    });
  });

  it('work remaining: the job goes on', () => {
    expect(jobOutcome(job(), delta({ processed: 3, added: 1 })).end).toBeUndefined();
  });

  it('a job no longer running only counts: it does not end twice', () => {
    const outcome = jobOutcome(job({ status: 'CANCELLED' }), delta({ processed: 4, failReason: 'x' }));
    expect(outcome).toEqual({ total: 10, done: 10 });
  });
});

describe('admitLinks', () => {
  const crawlState = (crawl: Partial<NonNullable<ExecutionState['crawl']>> = {}): ExecutionState => ({
    ...emptyState(),
    crawl: { seen: 1, max_pages: 10, max_depth: 2, scope: 'host', start: 'https://shop.test/', ...crawl },
  });
  const hash = (url: string) => `h:${url}`;
  const link = (path: string, depth = 1): Link => ({ url: `https://shop.test/${path}`, depth });

  it('admits new links with their hash and counts them as seen', () => {
    const state = crawlState();
    expect(admitLinks(state, [link('a'), link('b', 2)], new Set(), hash)).toEqual([
      { url: 'https://shop.test/a', depth: 1, hash: 'h:https://shop.test/a' },
      { url: 'https://shop.test/b', depth: 2, hash: 'h:https://shop.test/b' },
    ]);
    expect(state.crawl?.seen).toBe(3);
  });

  it('refuses links deeper than max_depth', () => {
    const state = crawlState({ max_depth: 2 });
    expect(admitLinks(state, [link('a', 3), link('b', 2)], new Set(), hash).map((l) => l.url)).toEqual([
      'https://shop.test/b',
    ]);
  });

  it('refuses links the job has seen, and admits a link repeated in the batch once', () => {
    const state = crawlState();
    const seen = new Set([hash('https://shop.test/a')]);
    const admitted = admitLinks(state, [link('a'), link('b'), link('b', 2)], seen, hash);
    expect(admitted).toEqual([{ url: 'https://shop.test/b', depth: 1, hash: 'h:https://shop.test/b' }]);
    expect(state.crawl?.seen).toBe(2);
  });

  it('admits no more than the page budget leaves, in the order found', () => {
    const state = crawlState({ seen: 8, max_pages: 10 });
    const admitted = admitLinks(state, [link('a'), link('b'), link('c')], new Set(), hash);
    expect(admitted.map((l) => l.url)).toEqual(['https://shop.test/a', 'https://shop.test/b']);
    expect(state.crawl?.seen).toBe(10);
    expect(admitLinks(state, [link('d')], new Set(), hash)).toEqual([]);
  });

  it('a job that is not a crawl admits nothing', () => {
    expect(admitLinks(emptyState(), [link('a')], new Set(), hash)).toEqual([]);
  });
});

describe('pageFetch', () => {
  const runtime = listDetailStore({ url_pattern: '{base_url}/list/{category}?page={page}' });
  const context = (jobScopes = scopesOf()) => ({ runtime, scopes: jobScopes, kept: new Map() });

  it('fills the list URL from the page, then the params, the target and the source', () => {
    const scopes = scopesOf({
      params: { category: 'shoes', page: 99 },
      target: { category: 'hats' },
      source: { base_url: 'https://shop.test' },
    });
    expect(pageFetch(context(scopes), 4, false)).toEqual({
      stepIndex: 0,
      taskType: 'FETCH',
      targetUrl: 'https://shop.test/list/shoes?page=4',
      payload: {
        ctx: { step: 0, page: 4 },
        workflow_id: WORKFLOW_ID,
        workflow_version: WORKFLOW_VERSION,
        url: 'https://shop.test/list/shoes?page=4',
        conditional: false,
        options: { respect_robots: true },
      },
    });
  });

  it('an INCREMENTAL list page asks conditionally and says it fans out', () => {
    const scopes = scopesOf({ target: { category: 'hats' }, source: { base_url: 'https://shop.test' } });
    expect(pageFetch(context(scopes), 2, true).payload).toMatchObject({ conditional: true, fans_out: true });
  });

  it('a placeholder without a value is an error naming it', () => {
    expect(() => pageFetch(context(), 2, false)).toThrow(/\{base_url\}/);
  });
});
