import { emptyState, type ExecutionState } from './execution-state';
import { linksInScope } from './task-planner';

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
