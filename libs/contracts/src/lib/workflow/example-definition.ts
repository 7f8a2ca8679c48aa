/**
 * The original design's example workflow, verbatim: paginated list pages, items parsed from each
 * (docs/data-model.md#crawling_workflows). The OpenAPI example and the tests that hold the product to
 * that design use this one copy.
 */
export const SEED_EXAMPLE_DEFINITION = {
  steps: [
    {
      name: 'fetch_list',
      type: 'FETCH',
      config: { url_pattern: '{base_url}/list?page={page}', pagination: true, max_pages: 100 },
    },
    {
      name: 'parse_items',
      type: 'PARSE',
      config: { parser: 'html', selectors: { items: '.product-item', name: '.title', price: '.price' } },
    },
  ],
};
