import { emptyState, type ExecutionState } from './execution-state';
import { listDetailStore, scopesOf } from './execution.fixtures';
import { advancePagination, beyondLastPage, PAGINATION_WINDOW, planFirstTasks } from './task-planner';

type Pagination = NonNullable<ExecutionState['pagination']>;

const paginated = (
  pagination: Partial<Pagination> = {},
  fields: Partial<ExecutionState> = {},
): ExecutionState => ({
  ...emptyState(),
  pagination: { next_page: 5, last_page: 10, stopped_at: null, ...pagination },
  ...fields,
});

const firstPages = (list: Parameters<typeof listDetailStore>[0]) => {
  const state = emptyState();
  const tasks = planFirstTasks(listDetailStore(list), scopesOf(), false, state);
  return { urls: tasks.map((task) => task.targetUrl), ctx: tasks.map((task) => task.payload.ctx), state };
};

describe('the first window of list pages', () => {
  it(`fetches ${PAGINATION_WINDOW} pages ahead from start_page, and remembers where the list ends`, () => {
    const { urls, ctx, state } = firstPages({ start_page: 2, max_pages: 10 });
    expect(urls).toEqual([2, 3, 4, 5].map((page) => `https://shop.test/list?page=${page}`));
    expect(ctx).toEqual([2, 3, 4, 5].map((page) => ({ step: 0, page })));
    expect(state.pagination).toEqual({ next_page: 6, last_page: 11, stopped_at: null });
    expect(state.total_pages).toBe(10);
  });

  it('a list shorter than the window is fetched whole, leaving no page to open', () => {
    const { urls, state } = firstPages({ start_page: 1, max_pages: 2 });
    expect(urls).toEqual(['https://shop.test/list?page=1', 'https://shop.test/list?page=2']);
    expect(state.pagination).toEqual({ next_page: 3, last_page: 2, stopped_at: null });
    expect(advancePagination(state, 2, true)).toBeUndefined();
  });
});

describe('advancePagination', () => {
  it('a page with items opens the next page and moves the current page', () => {
    const state = paginated();
    expect(advancePagination(state, 1, true)).toBe(5);
    expect(advancePagination(state, 2, true)).toBe(6);
    expect(state.pagination).toEqual({ next_page: 7, last_page: 10, stopped_at: null });
    expect(state.current_page).toBe(2);
  });

  it('the current page never moves back when pages answer out of order', () => {
    const state = paginated({}, { current_page: 4 });
    advancePagination(state, 3, true);
    expect(state.current_page).toBe(4);
  });

  it('an empty page closes the list there and opens nothing', () => {
    const state = paginated();
    expect(advancePagination(state, 3, false)).toBeUndefined();
    expect(state.pagination).toEqual({ next_page: 5, last_page: 10, stopped_at: 3 });
    expect(state.current_page).toBeUndefined();
  });

  it('the earliest empty page is where the list ends', () => {
    const state = paginated();
    advancePagination(state, 4, false);
    advancePagination(state, 2, false);
    advancePagination(state, 3, false);
    expect(state.pagination?.stopped_at).toBe(2);
  });

  it('once the list is closed, a page with items opens nothing more', () => {
    const state = paginated({ stopped_at: 3 });
    expect(advancePagination(state, 2, true)).toBeUndefined();
    expect(state.pagination?.next_page).toBe(5);
  });

  it('past max_pages nothing is opened', () => {
    const state = paginated({ next_page: 11, last_page: 10 });
    expect(advancePagination(state, 10, true)).toBeUndefined();
    expect(state.pagination?.next_page).toBe(11);
  });

  it('a job without pagination is left alone', () => {
    const state = emptyState();
    expect(advancePagination(state, 1, true)).toBeUndefined();
    expect(state).toEqual(emptyState());
  });

  it('walks a list of 6 pages whose 5th is empty: every page up to it is opened once', () => {
    const { state } = firstPages({ start_page: 1, max_pages: 6 });
    const opened = [1, 2, 3, 4].map((page) => advancePagination(state, page, true));
    expect(opened).toEqual([5, 6, undefined, undefined]);
    expect(advancePagination(state, 5, false)).toBeUndefined();
    expect(advancePagination(state, 6, true)).toBeUndefined();
    expect(state.pagination).toEqual({ next_page: 7, last_page: 6, stopped_at: 5 });
    expect([4, 5, 6].map((page) => beyondLastPage(state, page))).toEqual([false, false, true]);
  });
});

describe('beyondLastPage', () => {
  it('only pages after the page that closed the list are beyond it', () => {
    const state = paginated({ stopped_at: 3 });
    expect(beyondLastPage(state, 2)).toBe(false);
    expect(beyondLastPage(state, 3)).toBe(false);
    expect(beyondLastPage(state, 4)).toBe(true);
  });

  it('nothing is beyond an open list, and a task without a page never is', () => {
    expect(beyondLastPage(paginated(), 9)).toBe(false);
    expect(beyondLastPage(paginated({ stopped_at: 3 }), undefined)).toBe(false);
    expect(beyondLastPage(emptyState(), 9)).toBe(false);
  });
});
