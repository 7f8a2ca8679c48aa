import { validateDefinition } from './workflow-store';

const SEED = {
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

describe('workflow definitions', () => {
  it('accepts the seed example and keeps its text as submitted', () => {
    const { definition, text } = validateDefinition(SEED);
    expect(definition.steps.map((step) => step.type)).toEqual(['FETCH', 'PARSE']);
    expect(JSON.parse(text)).toEqual(SEED);
    expect(validateDefinition(JSON.stringify(SEED)).text).toBe(text);
  });

  it('names the JSON path of a problem under workflow_definition', () => {
    const broken = structuredClone(SEED) as { steps: Array<Record<string, unknown>> };
    broken.steps[1].config = { parser: 'html', selectors: { items: '.x', price: '.p[' } };
    expect(() =>
      validateDefinition(broken, { selector: (s) => (s.endsWith('[') ? 'unclosed [' : undefined) }),
    ).toThrow(
      expect.objectContaining({
        kind: 'invalid',
        path: 'workflow_definition.steps[1].config.selectors.price',
      }),
    );
    expect(() => validateDefinition('{not json')).toThrow(
      expect.objectContaining({ path: 'workflow_definition' }),
    );
    expect(() => validateDefinition({ steps: [{ name: 'a', type: 'CRAWL' }] })).toThrow(
      expect.objectContaining({ path: 'workflow_definition.steps[0].type' }),
    );
  });
});
