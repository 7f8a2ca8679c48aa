import { evaluate, ExpressionError, parseCondition } from './condition-expression';

const scope = {
  target: {
    url: 'https://shop.example/kr/items',
    type: 'product',
    attributes: { tags: ['sale'] },
    priority: 7,
  },
  params: { region: 'kr', pages: '10' },
};

const holds = (source: string): boolean => evaluate(parseCondition(source), scope);

describe('condition expressions', () => {
  it('compares paths with literals', () => {
    expect(holds("target.type == 'product'")).toBe(true);
    expect(holds("target.type != 'product'")).toBe(false);
    expect(holds('target.priority >= 7 and target.priority < 8')).toBe(true);
    expect(holds('params.pages > 9')).toBe(true);
    expect(holds('params.missing == null')).toBe(true);
  });

  it('combines with and / or / not and parentheses, with the usual precedence', () => {
    expect(holds("not target.type == 'news' and params.region == 'kr'")).toBe(true);
    expect(holds("target.type == 'news' or params.region == 'kr' and target.priority > 100")).toBe(false);
    expect(holds("(target.type == 'news' or params.region == 'kr') and target.priority > 1")).toBe(true);
  });

  it('matches regular expressions and tests containment', () => {
    expect(holds("target.url matches '^https://shop\\\\.example/kr/'")).toBe(true);
    expect(holds("target.url matches 'news'")).toBe(false);
    expect(holds("target.attributes.tags contains 'sale'")).toBe(true);
  });

  it('treats an empty condition as always true', () => {
    expect(holds('')).toBe(true);
  });

  it.each([
    ["target.type == 'x", 16, 'unterminated string'],
    ['target.type == ', 16, 'unexpected end'],
    ['(a == 1', 8, 'expected ")"'],
    ['a === 1', 5, 'unexpected'],
    ["a matches '('", 3, 'invalid regular expression'],
    ['a == 1 b', 8, 'unexpected "b"'],
    ['a ~ 1', 3, 'unexpected character'],
  ])('refuses %p at position %p', (source, position, problem) => {
    let error: unknown;
    try {
      parseCondition(source);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).position).toBe(position);
    expect((error as ExpressionError).message).toContain(problem);
  });

  it('never evaluates code', () => {
    expect(holds("constructor.constructor == 'function'")).toBe(false);
    expect(holds('process.exit == null')).toBe(true);
  });
});
