import type { PageSource, StoreTaskPayload } from '@crawlflow/contracts';
import { emptyState } from './execution-state';
import {
  applied,
  fetchStep,
  listDetailStore,
  listPage,
  listState,
  pageSource,
  parseStep,
  plannedFetch,
  product,
  reduce,
  runtimeOf,
  taskResult,
  WORKFLOW_ID,
  WORKFLOW_VERSION,
} from './execution.fixtures';
import type { JobState } from './job-reducer';
import { MAX_STORE_RECORDS } from './task-planner';

const shop = listDetailStore();

describe('reduceResults', () => {
  describe('PARSE', () => {
    const parsed = (
      ctx: { step: number; page?: number; source?: PageSource },
      output: Record<string, unknown>,
    ) => taskResult(shop, ctx, { output: { page_id: '55', records: [], ...output } });

    it('a list page with items plans the next list page, then its detail fetches', () => {
      const delta = reduce(shop, [
        applied(parsed({ step: 1, page: 2 }, { records: [product(1), product(2)] })),
      ]);
      expect(delta.planned).toEqual([
        plannedFetch(0, listPage(5), { page: 5 }),
        plannedFetch(2, 'https://shop.test/p/1', {}, { parent: product(1) }),
        plannedFetch(2, 'https://shop.test/p/2', {}, { parent: product(2) }),
      ]);
      expect(delta.state.pagination).toEqual({ next_page: 6, last_page: 10, stopped_at: null });
      expect(delta.state.current_page).toBe(2);
      expect(delta.state.items_processed).toBe(2);
      expect(delta.stepResults.parse_list.records).toBe(2);
      expect(delta.pagesDone).toEqual(['55']);
    });

    it('an empty list page closes the list: no next page', () => {
      const delta = reduce(shop, [applied(parsed({ step: 1, page: 3 }, { records: [] }))]);
      expect(delta.planned).toEqual([]);
      expect(delta.state.pagination).toEqual({ next_page: 5, last_page: 10, stopped_at: 3 });
    });

    it('the last list page opens no further page', () => {
      const state = listState({ pagination: { next_page: 11, last_page: 10, stopped_at: null } });
      const delta = reduce(shop, [applied(parsed({ step: 1, page: 10 }, { records: [product(1)] }))], {
        state,
      });
      expect(delta.planned.map((task) => task.stepIndex)).toEqual([2]);
    });

    it('records of a speculative page past the end of the list are dropped', () => {
      const state = listState({ pagination: { next_page: 5, last_page: 10, stopped_at: 3 } });
      const delta = reduce(shop, [applied(parsed({ step: 1, page: 4 }, { records: [product(1)] }))], {
        state,
      });
      expect(delta.planned).toEqual([]);
      expect(delta.state.items_processed).toBe(0);
      expect(delta.pagesDone).toEqual(['55']);
    });

    // ODDITY: hadItems is read after VALIDATE dropped records: a list page whose every record a SKIP
    // validation rejected closes the list as if it were empty, and the pages after it are never fetched.
    it('(current behaviour) a list page whose records were all rejected closes the list', () => {
      const rejected = [{ step: 'validate', reason: 'price: must be a number' }];
      const delta = reduce(shop, [applied(parsed({ step: 1, page: 2 }, { records: [], rejected }))]);
      expect(delta.state.pagination?.stopped_at).toBe(2);
      expect(delta.planned).toEqual([]);
    });

    it('records feeding a STORE become one STORE task carrying the page; validators wait for it', () => {
      const page = pageSource('https://shop.test/p/1', { etag: '"d1"' });
      const records = [{ sku: 'sku-1', price: 10 }];
      const delta = reduce(shop, [applied(parsed({ step: 3, source: page }, { records }))]);
      expect(delta.planned).toEqual([
        {
          stepIndex: 4,
          taskType: 'STORE',
          targetUrl: null,
          payload: { ctx: { step: 4, source: page }, workflow_id: WORKFLOW_ID, key: 'sku', records },
        },
      ]);
      expect(delta.validators).toEqual([]);
    });

    it('the STOREs of several pages in one batch become one task with each page and its share', () => {
      const pages = [1, 2, 3].map((n) => pageSource(`https://shop.test/p/${n}`, { etag: `"d${n}"` }));
      const delta = reduce(
        shop,
        pages.map((source, i) =>
          applied(
            parsed({ step: 3, source }, { page_id: String(60 + i), records: [product(i), product(i + 10)] }),
          ),
        ),
      );
      expect(delta.planned).toEqual([
        {
          stepIndex: 4,
          taskType: 'STORE',
          targetUrl: null,
          payload: {
            ctx: { step: 4, pages: pages.map((source) => ({ source, records: 2 })) },
            workflow_id: WORKFLOW_ID,
            key: 'sku',
            records: [product(0), product(10), product(1), product(11), product(2), product(12)],
          },
        },
      ]);
      expect(delta.pagesDone).toEqual(['60', '61', '62']);
      expect(delta.validators).toEqual([]);
    });

    it('a coalesced STORE holds at most MAX_STORE_RECORDS records; a larger page stays whole', () => {
      const many = (from: number, n: number) => Array.from({ length: n }, (_, i) => product(from + i));
      const delta = reduce(shop, [
        applied(parsed({ step: 3 }, { records: many(0, 300) })),
        applied(parsed({ step: 3 }, { records: many(300, 300) })),
        applied(parsed({ step: 3 }, { records: many(600, 200) })),
        applied(parsed({ step: 3 }, { records: many(800, MAX_STORE_RECORDS + 1) })),
      ]);
      const sizes = delta.planned.map((task) => (task.payload as StoreTaskPayload).records.length);
      expect(sizes).toEqual([300, 500, MAX_STORE_RECORDS + 1]);
      expect((delta.planned[1].payload as StoreTaskPayload).ctx.pages).toEqual([
        { records: 300 },
        { records: 200 },
      ]);
    });

    it('a page with no STORE after it keeps its validators now, with its record count', () => {
      const runtime = runtimeOf(fetchStep({ url_pattern: 'https://shop.test/' }), parseStep());
      const page = pageSource('https://shop.test/', {
        etag: '"v2"',
        last_modified: 'Fri, 05 Jun 2026 11:00:00 GMT',
      });
      const result = taskResult(
        runtime,
        { step: 1, source: page },
        {
          output: { page_id: '55', records: [{ title: 'a' }, { title: 'b' }] },
        },
      );
      const delta = reduce(runtime, [applied(result)], { state: emptyState() });
      expect(delta.planned).toEqual([]);
      expect(delta.validators).toEqual([
        {
          workflowId: WORKFLOW_ID,
          url: 'https://shop.test/',
          etag: '"v2"',
          lastModified: 'Fri, 05 Jun 2026 11:00:00 GMT',
          version: WORKFLOW_VERSION,
          recordCount: 2,
        },
      ]);
    });

    it('a list page that fans out keeps its records with its validators (a later 304 re-plans them)', () => {
      const page = pageSource(listPage(2));
      const delta = reduce(shop, [
        applied(parsed({ step: 1, page: 2, source: page }, { records: [product(1)] })),
      ]);
      expect(delta.validators).toEqual([
        {
          workflowId: WORKFLOW_ID,
          url: listPage(2),
          version: WORKFLOW_VERSION,
          recordCount: 1,
          records: [product(1)],
        },
      ]);
    });

    it('rejected records and records without a URL are counted and noted, the rest go on', () => {
      const rejected = [{ step: 'validate', reason: 'sku: required' }];
      const records = [product(1), { sku: 'sku-2' }, { sku: 'sku-3', detail_url: 'not a url' }];
      const state = listState({ pagination: { next_page: 11, last_page: 10, stopped_at: null } });
      const delta = reduce(shop, [applied(parsed({ step: 1, page: 2 }, { records, rejected }))], { state });
      expect(delta.planned).toEqual([plannedFetch(2, 'https://shop.test/p/1', {}, { parent: product(1) })]);
      expect(delta.state.rejected_records).toBe(3);
      expect(delta.state.items_processed).toBe(3);
      expect(delta.state.errors).toEqual([
        'validate: sku: required',
        'fetch_detail: no URL in field detail_url',
        'fetch_detail: Invalid URL',
      ]);
    });

    it('a crawl page hands on its in-scope links one level deeper', () => {
      const crawl = runtimeOf(
        fetchStep({
          url_pattern: 'https://shop.test/',
          crawl: { scope: 'host', max_depth: 2, max_pages: 5, link_selector: 'a[href]' },
        }),
        parseStep(),
      );
      const state: JobState = {
        ...emptyState(),
        crawl: { seen: 1, max_pages: 5, max_depth: 2, scope: 'host', start: 'https://shop.test/' },
      };
      const links = [
        'https://shop.test/a',
        'https://elsewhere.test/b',
        'mailto:x@shop.test',
        'https://shop.test/c',
      ];
      const result = taskResult(
        crawl,
        { step: 1, depth: 1 },
        { output: { page_id: '55', records: [], links } },
      );
      const delta = reduce(crawl, [applied(result)], { state });
      expect(delta.links).toEqual([
        { url: 'https://shop.test/a', depth: 2 },
        { url: 'https://shop.test/c', depth: 2 },
      ]);
      expect(delta.planned).toEqual([]);
    });

    it('a PARSE finishing after its job ended passes nothing on', () => {
      const result = parsed({ step: 1, page: 2 }, { records: [product(1)] });
      const delta = reduce(shop, [applied(result)], { job: { status: 'FAILED' } });
      expect(delta.planned).toEqual([]);
      expect(delta.state.items_processed).toBe(0);
      expect(delta.state.pagination?.next_page).toBe(5);
    });
  });
});
