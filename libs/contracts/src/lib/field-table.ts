/**
 * A field table: one description per field of a request body (type, required, default, limits,
 * description) that both the body's validator and its OpenAPI schema are derived from, so the two
 * cannot drift. Pure data; validators live with their callers (they keep their own messages).
 */
interface FieldBase {
  /** Missing (or null) is refused as `required`. */
  required?: boolean;
  /** null is a value of its own (it clears the column) instead of meaning "not given". */
  nullable?: boolean;
  description?: string;
  example?: unknown;
  /** A further check on a given value that the table cannot express; throws naming `path`. */
  check?: (value: never, path: string) => void;
}

export interface StringField extends FieldBase {
  type: 'string';
  /** Characters, after trimming. */
  maxLength?: number;
  /** `uri`: an http(s) URL. */
  format?: 'uri';
  pattern?: string;
  /** What a value that does not match `pattern` is told. */
  patternProblem?: string;
  default?: string;
}

/** A database id: a decimal string (a number is accepted too). */
export interface IdField extends FieldBase {
  type: 'id';
}

export interface IntegerField extends FieldBase {
  type: 'integer';
  minimum: number;
  maximum: number;
  default?: number;
}

export interface NumberField extends FieldBase {
  type: 'number';
  minimum: number;
  maximum: number;
  exclusiveMaximum?: boolean;
  default?: number;
}

export interface BooleanField extends FieldBase {
  type: 'boolean';
  default?: boolean;
}

export interface EnumField extends FieldBase {
  type: 'enum';
  values: readonly string[];
  default?: string;
}

export interface ObjectField extends FieldBase {
  type: 'object';
  /** Stored as JSON text in a column of this many bytes. */
  maxBytes?: number;
  /** Taken as it comes: the code it is handed to validates it (a workflow definition). */
  passThrough?: boolean;
}

export interface ArrayField extends FieldBase {
  type: 'array';
  items: FieldTable;
}

export type BodyField =
  StringField | IdField | IntegerField | NumberField | BooleanField | EnumField | ObjectField | ArrayField;

export type FieldTable = { readonly [field: string]: BodyField };

/** Keeps the literal types of a table (enum values, required flags) for FieldValues. */
export function fieldTable<const T extends FieldTable>(table: T): T {
  return table;
}

/** The same fields, none required (a PATCH or PUT of any subset). */
export function withoutRequired<T extends FieldTable>(
  table: T,
): { [K in keyof T]: Omit<T[K], 'required'> & { required?: false } } {
  return Object.fromEntries(
    Object.entries(table).map(([name, spec]) => [name, { ...spec, required: false }]),
  ) as { [K in keyof T]: Omit<T[K], 'required'> & { required?: false } };
}

type ValueOf<F> = F extends { type: 'string' | 'id' }
  ? string
  : F extends { type: 'integer' | 'number' }
    ? number
    : F extends { type: 'boolean' }
      ? boolean
      : F extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : F extends { type: 'array'; items: infer I extends FieldTable }
          ? Array<FieldValues<I>>
          : F extends { type: 'object'; passThrough: true }
            ? unknown
            : F extends { type: 'object' }
              ? Record<string, unknown>
              : never;

type Given<F> = F extends { required: true } | { default: string | number | boolean }
  ? ValueOf<F>
  : ValueOf<F> | undefined;

/** What a validator answers for a table: a required or defaulted field always has a value. */
export type FieldValues<T extends FieldTable> = {
  -readonly [K in keyof T]: Given<T[K]> | (T[K] extends { nullable: true } ? null : never);
};

/** The OpenAPI 3.0 schema object of a table, as `@ApiBody({ schema })` takes it. */
export interface BodySchema {
  type: 'object';
  required?: string[];
  properties: Record<string, Record<string, unknown>>;
}

function propertySchema(spec: BodyField): Record<string, unknown> {
  const common = {
    ...(spec.nullable ? { nullable: true } : {}),
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.example === undefined ? {} : { example: spec.example }),
  };
  switch (spec.type) {
    case 'string':
      return {
        type: 'string',
        ...(spec.format ? { format: spec.format } : {}),
        ...(spec.maxLength === undefined ? {} : { maxLength: spec.maxLength }),
        ...(spec.pattern === undefined ? {} : { pattern: spec.pattern }),
        ...(spec.default === undefined ? {} : { default: spec.default }),
        ...common,
      };
    case 'id':
      return { type: 'string', pattern: '^[1-9][0-9]*$', ...common };
    case 'integer':
    case 'number':
      return {
        type: spec.type,
        minimum: spec.minimum,
        maximum: spec.maximum,
        ...(spec.type === 'number' && spec.exclusiveMaximum ? { exclusiveMaximum: true } : {}),
        ...(spec.default === undefined ? {} : { default: spec.default }),
        ...common,
      };
    case 'boolean':
      return { type: 'boolean', ...(spec.default === undefined ? {} : { default: spec.default }), ...common };
    case 'enum':
      return {
        type: 'string',
        enum: [...spec.values],
        ...(spec.default === undefined ? {} : { default: spec.default }),
        ...common,
      };
    case 'object':
      return { type: 'object', ...common };
    case 'array':
      return { type: 'array', items: bodySchema(spec.items), ...common };
  }
}

export function bodySchema(table: FieldTable): BodySchema {
  const required = Object.keys(table).filter((name) => table[name].required);
  return {
    type: 'object',
    ...(required.length > 0 ? { required } : {}),
    properties: Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, propertySchema(spec)])),
  };
}
