import { TaskFailure } from '@crawlflow/contracts';
import { checkJsonSchema } from '../parse/definition.checkers';
import { createValidator } from './record.validator';

const schema = {
  type: 'object',
  required: ['name', 'price'],
  properties: {
    name: { type: 'string', minLength: 1 },
    price: { type: 'number', minimum: 0 },
    email: { type: 'string', format: 'email' },
  },
  additionalProperties: false,
};

describe('createValidator', () => {
  it('accepts a matching record and explains a failing one with path and message', () => {
    const validate = createValidator(schema);
    expect(validate({ name: 'Mug', price: 3 })).toEqual({ valid: true });
    const outcome = validate({ name: '', price: -1, extra: 1 });
    expect(outcome.valid).toBe(false);
    if (outcome.valid) return;
    expect(outcome.reason).toContain('/name must NOT have fewer than 1 characters');
    expect(outcome.reason).toContain('/price must be >= 0');
    expect(outcome.reason).toContain('/ must NOT have additional properties (extra)');
    expect(validate({ price: 1 })).toEqual({ valid: false, reason: "/ must have required property 'name'" });
  });

  it('compiles a schema once and reuses it', () => {
    expect(createValidator({ ...schema })).toBe(createValidator(schema));
  });

  it('runs pattern and patternProperties on RE2: catastrophic patterns finish at once', () => {
    const evil = `${'a'.repeat(34)}!`;
    const started = Date.now();
    const validate = createValidator({
      properties: { text: { type: 'string', pattern: '^(a|a)+$' } },
      patternProperties: { '(x+x+)+y': { type: 'number' } },
    });
    expect(validate({ text: evil }).valid).toBe(false);
    expect(validate({ text: 'aaa', ['x'.repeat(40)]: 'not checked: the key does not match' })).toEqual({
      valid: true,
    });
    expect(validate({ xxy: 'x' })).toEqual({ valid: false, reason: '/xxy must be number' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('keeps the patterns of one schema apart', () => {
    const validate = createValidator({
      properties: { a: { type: 'string', pattern: '^a+$' }, b: { type: 'string', pattern: '^b+$' } },
    });
    expect(validate({ a: 'aa', b: 'bb' })).toEqual({ valid: true });
    expect(validate({ a: 'bb', b: 'aa' }).valid).toBe(false);
  });

  it('fails a stored schema whose pattern RE2 refuses, permanently, naming the pattern', () => {
    let failure: unknown;
    try {
      createValidator({ properties: { sku: { type: 'string', pattern: '^(?=SKU)' } } });
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ errorClass: 'permanent', code: 'BAD_SCHEMA' });
    expect((failure as Error).message).toMatch(
      /pattern "\^\(\?=SKU\)": invalid regular expression: a lookahead/,
    );
    expect(checkJsonSchema({ patternProperties: { '(a)\\1': { type: 'number' } } })).toMatch(/backreference/);
  });

  it('checks JSON Schema formats (email, uri, date-time, …) and tolerates unknown ones', () => {
    const validate = createValidator({
      properties: {
        email: { type: 'string', format: 'email' },
        url: { type: 'string', format: 'uri' },
        at: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        id: { type: 'string', format: 'uuid' },
        sku: { type: 'string', format: 'sku-code' },
      },
    });
    const good = {
      email: 'buyer@shop.example',
      url: 'https://shop.example/item/7',
      at: '2026-12-03T09:00:00+09:00',
      day: '2026-12-03',
      id: '3f0c7a52-8a51-4f5e-9d2c-1b2a3c4d5e6f',
      sku: 'anything: the format is unknown',
    };
    expect(validate(good)).toEqual({ valid: true });
    const outcome = validate({
      ...good,
      email: 'not an address',
      url: 'shop/item',
      at: '3 Dec 2026',
      day: '2026-13-40',
    });
    expect(outcome.valid).toBe(false);
    if (outcome.valid) return;
    expect(outcome.reason).toContain('/email must match format "email"');
    expect(outcome.reason).toContain('/url must match format "uri"');
    expect(outcome.reason).toContain('/at must match format "date-time"');
    expect(outcome.reason).toContain('/day must match format "date"');
  });

  it('throws a permanent failure for a schema ajv cannot compile', () => {
    expect(() => createValidator({ type: 'nonsense' })).toThrow(TaskFailure);
  });
});

describe('checkJsonSchema', () => {
  it('accepts a valid schema (unknown formats tolerated) and names the problem of a bad one', () => {
    expect(checkJsonSchema(schema)).toBeUndefined();
    expect(checkJsonSchema({ type: 'nonsense' })).toMatch(/type/);
    expect(checkJsonSchema({ properties: { a: { minimum: 'x' } } })).toEqual(expect.any(String));
  });
});
