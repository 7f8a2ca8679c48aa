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
