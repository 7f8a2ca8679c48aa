import { emptyState, type ExecutionState } from './execution-state';
import {
  fetchStep,
  listDetailStore,
  parseStep,
  plannedFetch,
  product,
  runtimeOf,
  scopesOf,
  storeStep,
  transformStep,
  validateStep,
  WORKFLOW_ID,
} from './execution.fixtures';
import {
  fansOut,
  linksInScope,
  planFirstTasks,
  planParse,
  planRecords,
  stepAfterParse,
} from './task-planner';

const crawlState = (pattern: string): ExecutionState => ({
  ...emptyState(),
  crawl: { seen: 1, max_pages: 100, max_depth: 3, scope: 'pattern', start: 'https://shop.test/', pattern },
});

describe('linksInScope with a pattern scope', () => {
  it('keeps the links the pattern matches, on RE2: a catastrophic pattern finishes at once', () => {
    const started = Date.now();
    const links = [
      `https://shop.test/${'a'.repeat(34)}!`,
      `https://shop.test/${'a'.repeat(34)}`,
      'mailto:x@y',
    ];
    expect(linksInScope(crawlState('^https://[^/]+/(a|a)+$'), links)).toEqual([links[1]]);
    expect(linksInScope(crawlState('(x+x+)+y'), [`https://shop.test/${'x'.repeat(40)}`])).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a pattern RE2 cannot run instead of running it on another engine', () => {
    expect(() => linksInScope(crawlState('^https://shop\\.test/(?!admin)'), ['https://shop.test/a'])).toThrow(
      /negative lookahead .* not supported/,
    );
  });
});

const shop = listDetailStore();
describe('planFirstTasks', () => {
  it('one URL: its placeholders filled from params, then target, then source', () => {
    const runtime = runtimeOf(fetchStep({ url_pattern: '{base_url}/c/{category}' }), parseStep());
    const scopes = scopesOf({
      params: { category: 'shoes' },
      target: { category: 'hats' },
      source: { base_url: 'https://shop.test' },
    });
    const state = emptyState();
    expect(planFirstTasks(runtime, scopes, false, state)).toEqual([
      plannedFetch(0, 'https://shop.test/c/shoes', {}),
    ]);
    expect(state).toEqual(emptyState());
  });

  it('hands the step’s fetch settings to the worker, headers only when there are some', () => {
    const runtime = runtimeOf(
      fetchStep({
        url_pattern: 'https://shop.test/',
        headers: { 'accept-language': 'en' },
        respect_robots: false,
        host_concurrency: 2,
        host_delay_ms: 500,
        timeout_ms: 10_000,
        max_bytes: 1_000_000,
      }),
      parseStep(),
    );
    expect(planFirstTasks(runtime, scopesOf(), false, emptyState())[0].payload).toMatchObject({
      options: {
        headers: { 'accept-language': 'en' },
        respect_robots: false,
        host_concurrency: 2,
        host_delay_ms: 500,
        timeout_ms: 10_000,
        max_bytes: 1_000_000,
      },
    });
  });

  it('an INCREMENTAL fetch is conditional; it says it fans out only when its records feed fetches', () => {
    const single = runtimeOf(fetchStep({ url_pattern: 'https://shop.test/' }), parseStep(), storeStep());
    expect(planFirstTasks(single, scopesOf(), true, emptyState())).toEqual([
      plannedFetch(0, 'https://shop.test/', {}, { conditional: true }),
    ]);
    const list = listDetailStore({ pagination: false, url_pattern: 'https://shop.test/list' });
    expect(planFirstTasks(list, scopesOf(), true, emptyState())).toEqual([
      plannedFetch(0, 'https://shop.test/list', {}, { conditional: true, fans_out: true }),
    ]);
  });

  it('a site crawl: the start URL at depth 0, and the crawl’s scope and budget in the state', () => {
    const runtime = runtimeOf(
      fetchStep({
        url_pattern: 'https://ignored.test/',
        crawl: {
          start_url: '{base_url}/docs/',
          scope: 'prefix',
          prefix: '{base_url}/docs/',
          pattern: '^https://',
          max_depth: 3,
          max_pages: 50,
          link_selector: 'a[href]',
        },
      }),
      parseStep(),
    );
    const state = emptyState();
    const scopes = scopesOf({ source: { base_url: 'https://shop.test' } });
    expect(planFirstTasks(runtime, scopes, true, state)).toEqual([
      plannedFetch(0, 'https://shop.test/docs/', { depth: 0 }, { conditional: true, fans_out: true }),
    ]);
    expect(state.crawl).toEqual({
      seen: 1,
      max_pages: 50,
      max_depth: 3,
      scope: 'prefix',
      start: 'https://shop.test/docs/',
      prefix: 'https://shop.test/docs/',
      pattern: '^https://',
    });
  });

  it('a site crawl without a start_url starts at the step’s URL', () => {
    const runtime = runtimeOf(
      fetchStep({
        url_pattern: 'https://shop.test/',
        crawl: { scope: 'host', max_depth: 1, max_pages: 5, link_selector: 'a' },
      }),
      parseStep(),
    );
    const state = emptyState();
    expect(planFirstTasks(runtime, scopesOf(), false, state).map((task) => task.targetUrl)).toEqual([
      'https://shop.test/',
    ]);
    expect(state.crawl).toEqual({
      seen: 1,
      max_pages: 5,
      max_depth: 1,
      scope: 'host',
      start: 'https://shop.test/',
    });
  });
});

describe('planParse', () => {
  const crawl = runtimeOf(
    fetchStep({
      url_pattern: 'https://shop.test/',
      crawl: { scope: 'host', max_depth: 2, max_pages: 5, link_selector: 'a.next' },
    }),
    parseStep(),
  );
  const crawling = (): ExecutionState => ({
    ...emptyState(),
    crawl: { seen: 1, max_pages: 5, max_depth: 2, scope: 'host', start: 'https://shop.test/' },
  });

  it('a crawl page above the depth limit asks its PARSE for links', () => {
    const task = planParse(
      crawl,
      0,
      { step: 0, depth: 1 },
      '9',
      'https://shop.test/a',
      undefined,
      crawling(),
    );
    expect(task.payload).toMatchObject({ ctx: { step: 1, depth: 1 }, links: { selector: 'a.next' } });
  });

  it('a crawl page at the depth limit is parsed without links', () => {
    const task = planParse(
      crawl,
      0,
      { step: 0, depth: 2 },
      '9',
      'https://shop.test/a',
      undefined,
      crawling(),
    );
    expect(task.payload).not.toHaveProperty('links');
  });

  it('a detail page’s PARSE gets its parent record, and only the TRANSFORM/VALIDATE steps right after it', () => {
    const runtime = runtimeOf(
      fetchStep({ url_pattern: 'https://shop.test/' }),
      parseStep(),
      transformStep([{ op: 'drop', field: 'x' }]),
      fetchStep({ url_field: 'u' }, { name: 'fetch_more' }),
      parseStep({}, { name: 'parse_more' }),
      transformStep([{ op: 'trim', field: 'y' }], { name: 'later' }),
    );
    const task = planParse(runtime, 0, { step: 0 }, '9', 'https://shop.test/', { sku: 'a' }, emptyState());
    expect(task).toMatchObject({ stepIndex: 1, taskType: 'PARSE', targetUrl: 'https://shop.test/' });
    expect(task.payload).toMatchObject({
      parent: { sku: 'a' },
      post: [{ step: 2, name: 'transform', type: 'TRANSFORM', operations: [{ op: 'drop', field: 'x' }] }],
    });
  });
});

describe('planRecords', () => {
  it('list records become detail fetches, their URL cleaned, the record handed on as parent', () => {
    const records = [{ detail_url: '  https://Shop.test  ', sku: 'a' }];
    expect(planRecords(shop, 1, { page_id: '5', records }, scopesOf(), false)).toEqual({
      tasks: [plannedFetch(2, 'https://shop.test/', {}, { parent: records[0] })],
      problems: [],
    });
  });

  it('a detail URL from a template: the record’s fields first, then the job’s scopes', () => {
    const runtime = runtimeOf(
      fetchStep({ url_pattern: 'https://shop.test/list' }),
      parseStep(),
      transformStep([]),
      fetchStep({ url_pattern: '{base_url}/p/{sku}' }, { name: 'fetch_detail' }),
      parseStep({}, { name: 'parse_detail' }),
    );
    const scopes = scopesOf({ params: { sku: 'from-params' }, source: { base_url: 'https://shop.test' } });
    const plan = planRecords(runtime, 1, { page_id: '5', records: [{ sku: 'a1' }] }, scopes, false);
    expect(plan.tasks).toEqual([plannedFetch(3, 'https://shop.test/p/a1', {}, { parent: { sku: 'a1' } })]);
  });

  it('records with no usable URL become problems, not tasks', () => {
    const records = [{ sku: 'no-url' }, { detail_url: 42 }, { detail_url: ' ' }, { detail_url: 'not a url' }];
    expect(planRecords(shop, 1, { page_id: '5', records }, scopesOf(), false)).toEqual({
      tasks: [],
      problems: [
        'fetch_detail: no URL in field detail_url',
        'fetch_detail: no URL in field detail_url',
        'fetch_detail: no URL in field detail_url',
        'fetch_detail: Invalid URL',
      ],
    });
  });

  it('a template placeholder no record or scope fills is a problem naming it', () => {
    const runtime = runtimeOf(
      fetchStep({ url_pattern: 'https://shop.test/list' }),
      parseStep(),
      fetchStep({ url_pattern: 'https://shop.test/p/{sku}' }, { name: 'fetch_detail' }),
      parseStep({}, { name: 'parse_detail' }),
    );
    expect(
      planRecords(runtime, 1, { page_id: '5', records: [{ id: 1 }] }, scopesOf(), false).problems,
    ).toEqual(['fetch_detail: {sku}: no value for this placeholder in params, target or source']);
  });

  it('records before a STORE: one STORE task for the page, whatever its size', () => {
    const records = Array.from({ length: 500 }, (_, i) => ({ sku: `sku-${i}` }));
    const page = { url: 'https://shop.test/p/1', fetched_at: '2026-06-05 12:00:00.000' };
    expect(planRecords(shop, 3, { page_id: '5', records }, scopesOf(), false, page)).toEqual({
      tasks: [
        {
          stepIndex: 4,
          taskType: 'STORE',
          targetUrl: null,
          payload: { ctx: { step: 4, source: page }, workflow_id: WORKFLOW_ID, key: 'sku', records },
        },
      ],
      problems: [],
    });
  });

  it('no records, or no step after the PARSE: nothing to plan', () => {
    expect(planRecords(shop, 1, { page_id: '5', records: [] }, scopesOf(), false)).toEqual({
      tasks: [],
      problems: [],
    });
    const last = runtimeOf(fetchStep(), parseStep(), validateStep({}));
    expect(planRecords(last, 1, { page_id: '5', records: [product(1)] }, scopesOf(), false)).toEqual({
      tasks: [],
      problems: [],
    });
  });
});

describe('fansOut and stepAfterParse', () => {
  it('a FETCH fans out when its PARSE (and the steps it runs) lead to another FETCH', () => {
    const runtime = runtimeOf(
      fetchStep(),
      parseStep(),
      transformStep([]),
      validateStep({}),
      fetchStep({ url_field: 'u' }, { name: 'detail' }),
      parseStep({}, { name: 'parse_detail' }),
      storeStep(),
    );
    expect(stepAfterParse(runtime, 1)).toBe(4);
    expect(fansOut(runtime, 0)).toBe(true);
    expect(fansOut(runtime, 4)).toBe(false);
    expect(fansOut(runtime, 1)).toBe(false);
  });

  it('the step after a final PARSE is past the end', () => {
    const runtime = runtimeOf(fetchStep(), parseStep(), transformStep([]));
    expect(stepAfterParse(runtime, 1)).toBe(3);
    expect(fansOut(runtime, 0)).toBe(false);
  });
});

describe('linksInScope with a host or prefix scope', () => {
  const state = (crawl: Partial<NonNullable<ExecutionState['crawl']>>): ExecutionState => ({
    ...emptyState(),
    crawl: {
      seen: 1,
      max_pages: 10,
      max_depth: 2,
      scope: 'host',
      start: 'https://shop.test/docs/',
      ...crawl,
    },
  });
  const links = [
    'https://shop.test/docs/a',
    'https://shop.test/blog/b',
    'http://shop.test:8080/docs/c',
    'https://other.test/docs/d',
    'ftp://shop.test/docs/e',
    'not a url',
  ];

  it('host: links on the start URL’s host (and port), over http or https', () => {
    expect(linksInScope(state({ scope: 'host' }), links)).toEqual([
      'https://shop.test/docs/a',
      'https://shop.test/blog/b',
    ]);
  });

  it('prefix: links under the prefix, by default the start URL', () => {
    expect(linksInScope(state({ scope: 'prefix' }), links)).toEqual(['https://shop.test/docs/a']);
    expect(linksInScope(state({ scope: 'prefix', prefix: 'https://shop.test/' }), links)).toEqual([
      'https://shop.test/docs/a',
      'https://shop.test/blog/b',
    ]);
  });

  it('a job that is not a crawl follows no link', () => {
    expect(linksInScope(emptyState(), links)).toEqual([]);
  });
});
