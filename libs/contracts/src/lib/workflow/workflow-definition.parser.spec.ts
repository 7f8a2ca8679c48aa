import { SchemaError } from '../validation';
import { parseWorkflowDefinition } from './workflow-definition.parser';

type Step = Record<string, unknown>;

const definition = (
  overrides: { crawl?: Record<string, unknown>; operation?: Step; schema?: Step } = {},
): { steps: Step[] } => ({
  steps: [
    {
      name: 'fetch',
      type: 'FETCH',
      config: {
        url_pattern: 'https://shop.test/',
        crawl: { scope: 'pattern', pattern: '^https://shop\\.test/(a|a)+$', ...overrides.crawl },
      },
    },
    { name: 'parse', type: 'PARSE', config: { selectors: { sku: '.sku', name: '.name' } } },
    {
      name: 'transform',
      type: 'TRANSFORM',
      config: {
        operations: [
          {
            op: 'regex_replace',
            field: 'name',
            pattern: '(?<word>\\w+)',
            replacement: '$<word>',
            flags: 'gimsu',
            ...overrides.operation,
          },
        ],
      },
    },
    {
      name: 'validate',
      type: 'VALIDATE',
      config: {
        schema: overrides.schema ?? { type: 'object', properties: { sku: { pattern: '^[A-Z]+-\\d+$' } } },
      },
    },
  ],
});

function refusal(value: unknown): SchemaError {
  try {
    parseWorkflowDefinition(value);
  } catch (error) {
    if (error instanceof SchemaError) return error;
    throw error;
  }
  throw new Error('expected the definition to be refused');
}

describe('parseWorkflowDefinition: user regexes are RE2 patterns', () => {
  it('accepts RE2 patterns, including ones a backtracking engine would choke on, and every RE2 flag', () => {
    expect(parseWorkflowDefinition(definition()).steps).toHaveLength(4);
  });

  it.each([
    ['a backreference', '(a)\\1', /backreference `\\1`/],
    ['a lookahead', 'a(?=b)', /lookahead/],
    ['a negative lookbehind', '(?<!a)b', /negative lookbehind/],
    ['a syntax error', '(', /missing closing \)/],
  ])('refuses %s in a TRANSFORM pattern at its path', (_what, pattern, problem) => {
    const error = refusal(definition({ operation: { pattern } }));
    expect(error.path).toBe('$.steps[2].config.operations[0].pattern');
    expect(error.problem).toMatch(/^invalid regular expression: /);
    expect(error.problem).toMatch(problem);
  });

  it.each(['y', 'd', 'gx', 'ii'])('refuses the TRANSFORM flags %p at their path', (flags) => {
    expect(refusal(definition({ operation: { flags } })).path).toBe('$.steps[2].config.operations[0].flags');
  });

  it('refuses a crawl scope pattern RE2 cannot run', () => {
    const error = refusal(definition({ crawl: { pattern: '^https://(?!admin)' } }));
    expect(error.path).toBe('$.steps[0].config.crawl.pattern');
    expect(error.problem).toMatch(/negative lookahead .*RE2/);
  });

  it.each([
    [
      { properties: { sku: { type: 'string', pattern: '(a)\\1' } } },
      '$.steps[3].config.schema.properties.sku.pattern',
    ],
    [{ patternProperties: { '^x-(?=y)': {} } }, '$.steps[3].config.schema.patternProperties["^x-(?=y)"]'],
    [
      { patternProperties: { '^x-': { pattern: '(?<=a)' } } },
      '$.steps[3].config.schema.patternProperties["^x-"].pattern',
    ],
    [
      { items: [{}, { anyOf: [{ pattern: '\\k<n>' }] }] },
      '$.steps[3].config.schema.items[1].anyOf[0].pattern',
    ],
    [
      { $defs: { 'odd key': { not: { pattern: '(?!x)' } } } },
      '$.steps[3].config.schema.$defs["odd key"].not.pattern',
    ],
    [
      { additionalProperties: { pattern: '(a)\\1' } },
      '$.steps[3].config.schema.additionalProperties.pattern',
    ],
  ])('refuses a VALIDATE schema pattern RE2 cannot run, naming where in the schema: %j', (schema, path) => {
    expect(refusal(definition({ schema })).path).toBe(path);
  });

  it('leaves data that merely looks like a pattern alone: a property named "pattern", const, enum', () => {
    const schema = {
      properties: { pattern: { type: 'string' } },
      const: { pattern: '(a)\\1' },
      enum: [{ pattern: '(?=x)' }],
      default: { pattern: '(?<=y)' },
    };
    expect(parseWorkflowDefinition(definition({ schema })).steps[3]).toMatchObject({ config: { schema } });
  });
});

describe('parseWorkflowDefinition: page facts as fields', () => {
  const withFields = (selectors: Record<string, unknown>) => ({
    steps: [
      { name: 'fetch', type: 'FETCH', config: { url_pattern: 'https://shop.test/' } },
      { name: 'parse', type: 'PARSE', config: { selectors: { sku: '.sku', ...selectors } } },
    ],
  });

  it('reads "$page.<fact>" with the fact’s own type, or the type the field names', () => {
    const steps = parseWorkflowDefinition(
      withFields({
        url: '$page.url',
        at: '$page.fetched_at',
        status: '$page.status',
        page: '$page.number',
        code: { selector: '$page.status', type: 'string' },
        list_page: { path: '$page.number', default: 1 },
      }),
    ).steps;
    expect(steps[1]).toMatchObject({
      config: {
        fields: {
          url: { page: 'url', type: 'url', list: false },
          at: { page: 'fetched_at', type: 'string' },
          status: { page: 'status', type: 'int' },
          page: { page: 'number', type: 'int' },
          code: { page: 'status', type: 'string' },
          list_page: { page: 'number', type: 'int', default: 1 },
        },
      },
    });
    expect(steps[1]).not.toHaveProperty('config.fields.url.selector');
  });

  it('refuses an unknown fact, and attr or list on a fact, at the path', () => {
    const unknown = refusal(withFields({ x: '$page.title' }));
    expect(unknown.path).toBe('$.steps[1].config.selectors.x');
    expect(unknown.problem).toContain('$page.url, $page.fetched_at, $page.status, $page.number');
    expect(refusal(withFields({ x: { selector: '$page.url', attr: 'href' } })).path).toBe(
      '$.steps[1].config.selectors.x.attr',
    );
    expect(refusal(withFields({ x: { selector: '$page.bogus' } })).path).toBe(
      '$.steps[1].config.selectors.x.selector',
    );
  });
});
