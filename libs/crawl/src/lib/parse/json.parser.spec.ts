import type { FieldSpec, ParseConfig } from '@crawlflow/contracts';
import { checkJsonPath, TaskFailure } from '@crawlflow/contracts';
import { evaluateJsonPath, parseJson } from './json.parser';

const field = (selector: string | undefined, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  ...(selector !== undefined ? { selector } : {}),
  type: 'string',
  list: false,
  ...extra,
});
const config = (fields: Record<string, FieldSpec>, items?: string): ParseConfig => ({
  parser: 'json',
  fields,
  ...(items ? { items } : {}),
});

const DOC = JSON.stringify({
  meta: { total: 2, 'odd key': 'yes' },
  data: {
    items: [
      { id: 1, name: ' Mug ', price: '₩12,000', tags: ['a', 'b'], url: '/p/1', stock: { qty: 3 } },
      { id: 2, name: 'Cup', price: 9.5, tags: [], url: 'https://o.test/p/2' },
    ],
  },
});

describe('evaluateJsonPath', () => {
  const doc = JSON.parse(DOC);
  it.each([
    ['$', [doc]],
    ['$.meta.total', [2]],
    ['meta.total', [2]],
    ['$["meta"]["odd key"]', ['yes']],
    ['$.data.items[0].name', [' Mug ']],
    ['data.items[1].id', [2]],
    ['$.data.items[*].id', [1, 2]],
    ['$.data.items[5].id', []],
    ['$.nope.deeper', []],
  ])('%s', (path, expected) => {
    checkJsonPath(path, '$'); // every path used here is one the workflow schema accepts
    expect(evaluateJsonPath(doc, path)).toEqual(expected);
  });
});

describe('parseJson', () => {
  it('yields one record per item, with field paths relative to the item', () => {
    const records = parseJson(
      DOC,
      config(
        {
          id: field('$.id', { type: 'int' }),
          name: field('name'),
          price: field('$.price', { type: 'number' }),
          tags: field('$.tags', { list: true }),
          first_tag: field('$.tags[0]'),
          url: field('$.url', { type: 'url' }),
          qty: field('$.stock.qty', { type: 'number', default: 0 }),
          stock: field('$.stock'),
        },
        '$.data.items[*]',
      ),
      'http://shop.test/api/list',
    );
    expect(records).toEqual([
      {
        id: 1,
        name: 'Mug',
        price: 12000,
        tags: ['a', 'b'],
        first_tag: 'a',
        url: 'http://shop.test/p/1',
        qty: 3,
        stock: '{"qty":3}',
      },
      {
        id: 2,
        name: 'Cup',
        price: 9.5,
        tags: [],
        first_tag: null,
        url: 'https://o.test/p/2',
        qty: 0,
        stock: null,
      },
    ]);
  });

  it('treats a path reaching one array like [*], and the document as the record without items', () => {
    expect(parseJson(DOC, config({ id: field('id') }, '$.data.items'))).toEqual([{ id: '1' }, { id: '2' }]);
    expect(parseJson(DOC, config({ total: field('$.meta.total', { type: 'number' }) }))).toEqual([
      { total: 2 },
    ]);
  });

  it('fails permanently on invalid JSON', () => {
    expect(() => parseJson('{"a":', config({ a: field('a') }))).toThrow(TaskFailure);
    expect(() => parseJson('<html>', config({ a: field('a') }))).toThrow(/not valid JSON/);
  });

  it('fills "$page.<fact>" fields from the page', () => {
    const config: ParseConfig = {
      parser: 'json',
      items: '$.items',
      fields: {
        id: { selector: 'id', type: 'int', list: false },
        fetched: { page: 'fetched_at', type: 'string', list: false },
      },
    };
    const facts = { fetched_at: '2026-12-03T10:00:00.000Z' };
    expect(parseJson('{"items":[{"id":1},{"id":2}]}', config, undefined, facts)).toEqual([
      { id: 1, fetched: '2026-12-03T10:00:00.000Z' },
      { id: 2, fetched: '2026-12-03T10:00:00.000Z' },
    ]);
  });
});
