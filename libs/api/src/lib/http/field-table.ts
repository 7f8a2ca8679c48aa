import {
  bodySchema,
  describe,
  expectId,
  expectInt,
  expectOneOf,
  expectRecord,
  expectString,
  BodyField,
  FieldTable,
  FieldValues,
  SchemaError,
} from '@crawlflow/contracts';
import { ApiBody } from '@nestjs/swagger';

/** The OpenAPI request body of a route, from the same table its handler validates with. */
export function ApiBodyOf(table: FieldTable): MethodDecorator {
  return ApiBody({ schema: bodySchema(table) });
}

/** An http(s) URL: targets and sources are fetched, so nothing else is useful. */
export function httpUrl(value: string, path: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SchemaError(path, `not a URL: ${describe(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new SchemaError(path, 'expected an http(s) URL');
  return value;
}

function parseValue(spec: BodyField, value: unknown, path: string): unknown {
  switch (spec.type) {
    case 'string': {
      const text = expectString(value, path, spec.maxLength).trim();
      if (text === '') throw new SchemaError(path, 'must not be empty');
      if (spec.format === 'uri') httpUrl(text, path);
      if (spec.pattern !== undefined && !new RegExp(spec.pattern).test(text))
        throw new SchemaError(path, spec.patternProblem ?? `expected to match ${spec.pattern}`);
      return text;
    }
    case 'id':
      return expectId(value, path);
    case 'integer':
      return expectInt(value, path, spec.minimum, spec.maximum);
    case 'number': {
      const tooBig = spec.exclusiveMaximum ? Number(value) >= spec.maximum : Number(value) > spec.maximum;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.minimum || tooBig)
        throw new SchemaError(path, `expected ${spec.minimum}..${spec.maximum}, got ${describe(value)}`);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean')
        throw new SchemaError(path, `expected true or false, got ${describe(value)}`);
      return value;
    case 'enum':
      return expectOneOf(value, path, spec.values);
    case 'object': {
      if (spec.passThrough) return value;
      const record = expectRecord(value, path);
      if (spec.maxBytes !== undefined) {
        const bytes = Buffer.byteLength(JSON.stringify(record), 'utf8');
        if (bytes > spec.maxBytes)
          throw new SchemaError(
            path,
            `${bytes} bytes as JSON, more than the ${spec.maxBytes} it is stored in`,
          );
      }
      return record;
    }
    case 'array':
      if (!Array.isArray(value))
        throw new SchemaError(path, `expected an array of {${Object.keys(spec.items).join(', ')}}`);
      return value.map((item, index) => parseFields(spec.items, item, `${path}[${index}]`, false));
  }
}

/**
 * Validates `value` against `table`, field by field in the table's order, and answers the values
 * with defaults filled in. Every problem is a SchemaError naming `<root>.<field>`, which the
 * exception filter answers as 400. Unknown fields are refused, so a misspelt field cannot be ignored.
 */
export function parseFields<T extends FieldTable>(
  table: T,
  value: unknown,
  root: string,
  listAllowed = true,
): FieldValues<T> {
  const record = expectRecord(value, root);
  const allowed = Object.keys(table);
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      const problem = listAllowed ? `unknown field (allowed: ${allowed.join(', ')})` : 'unknown field';
      throw new SchemaError(`${root}.${key}`, problem);
    }
  }
  const parsed: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const path = `${root}.${name}`;
    const given = record[name];
    if (given === null && spec.nullable) {
      parsed[name] = null;
    } else if (given === undefined || given === null) {
      if (spec.required) throw new SchemaError(path, 'required');
      parsed[name] = 'default' in spec ? spec.default : undefined;
    } else {
      parsed[name] = parseValue(spec, given, path);
      spec.check?.(parsed[name] as never, path);
    }
  }
  return parsed as FieldValues<T>;
}

/** A route's JSON body: an absent body reads as `undefined` (refused as not an object). */
export function parseBody<T extends FieldTable>(table: T, raw: unknown): FieldValues<T> {
  return parseFields(table, raw ?? undefined, 'body');
}
