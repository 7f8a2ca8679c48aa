import { evaluate, ExpressionError, parseCondition } from './condition-expression';
import { checkCondition } from './workflow-selection';

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

  it('runs matches on RE2: a pattern catastrophic for backtracking finishes at once', () => {
    const started = Date.now();
    const url = `https://shop.example/${'a'.repeat(34)}!`;
    expect(evaluate(parseCondition("target.url matches '^https://[^/]+/(a|a)+$'"), { target: { url } })).toBe(
      false,
    );
    expect(evaluate(parseCondition("t matches '(x+x+)+y'"), { t: 'x'.repeat(40) })).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses backreferences and lookaround in matches with the position, as a 400 on the field', () => {
    expect(() => parseCondition("a == 1 and b matches '(x)\\\\1'")).toThrow(
      /^at position 14: invalid regular expression: a backreference `\\1` is not supported: patterns use RE2/,
    );
    expect(() => checkCondition("target.url matches '^https://(?!admin)'", 'condition_expression')).toThrow(
      expect.objectContaining({
        kind: 'invalid',
        path: 'condition_expression',
        message: expect.stringMatching(/^invalid condition at position 12: .*negative lookahead/),
      }),
    );
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
