import {
  describe,
  expectId,
  expectInt,
  expectOneOf,
  expectRecord,
  expectString,
  SchemaError,
} from '@crawlflow/contracts';

/**
 * Request validation on the contracts helpers: every error is a SchemaError naming the field as
 * `body.<field>`, `query.<field>` or `params.<field>`, which the exception filter answers as 400.
 */
export function bodyOf(value: unknown, allowed: readonly string[]): Record<string, unknown> {
  const body = expectRecord(value ?? undefined, 'body');
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new SchemaError(`body.${key}`, `unknown field (allowed: ${allowed.join(', ')})`);
    }
  }
  return body;
}

export function requiredString(
  record: Record<string, unknown>,
  field: string,
  root: string,
  max: number,
): string {
  const path = `${root}.${field}`;
  if (record[field] === undefined || record[field] === null) throw new SchemaError(path, 'required');
  const value = expectString(record[field], path, max).trim();
  if (value === '') throw new SchemaError(path, 'must not be empty');
  return value;
}

export function optionalString(
  record: Record<string, unknown>,
  field: string,
  root: string,
  max: number,
): string | undefined {
  const value = record[field];
  return value === undefined || value === null ? undefined : requiredString(record, field, root, max);
}

export function optionalId(record: Record<string, unknown>, field: string, root: string): string | undefined {
  const value = record[field];
  return value === undefined || value === null ? undefined : expectId(value, `${root}.${field}`);
}

export function requiredId(record: Record<string, unknown>, field: string, root: string): string {
  if (record[field] === undefined || record[field] === null)
    throw new SchemaError(`${root}.${field}`, 'required');
  return expectId(record[field], `${root}.${field}`);
}

export function optionalInt(
  record: Record<string, unknown>,
  field: string,
  root: string,
  min: number,
  max: number,
): number | undefined {
  const value = record[field];
  return value === undefined || value === null ? undefined : expectInt(value, `${root}.${field}`, min, max);
}

export function optionalBool(
  record: Record<string, unknown>,
  field: string,
  root: string,
): boolean | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean')
    throw new SchemaError(`${root}.${field}`, `expected true or false, got ${describe(value)}`);
  return value;
}

export function optionalObject(
  record: Record<string, unknown>,
  field: string,
  root: string,
): Record<string, unknown> | undefined {
  const value = record[field];
  return value === undefined || value === null ? undefined : expectRecord(value, `${root}.${field}`);
}

/** An object the caller stores as JSON text in a column of `maxBytes`. */
export function optionalObjectWithin(
  record: Record<string, unknown>,
  field: string,
  root: string,
  maxBytes: number,
): Record<string, unknown> | undefined {
  const value = optionalObject(record, field, root);
  if (value === undefined) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > maxBytes)
    throw new SchemaError(
      `${root}.${field}`,
      `${bytes} bytes as JSON, more than the ${maxBytes} it is stored in`,
    );
  return value;
}

export function optionalOneOf<T extends string>(
  record: Record<string, unknown>,
  field: string,
  root: string,
  allowed: readonly T[],
): T | undefined {
  const value = record[field];
  return value === undefined || value === null ? undefined : expectOneOf(value, `${root}.${field}`, allowed);
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

/** A path parameter that must be an id (`/api/jobs/:id`). */
export function idParam(value: string, name = 'id'): string {
  return expectId(value, `params.${name}`);
}

/** Query values arrive as strings: an id given as text. */
export function queryId(query: Record<string, unknown>, field: string): string | undefined {
  const value = query[field];
  if (value === undefined || value === '') return undefined;
  return expectId(typeof value === 'string' ? value : (value as unknown), `query.${field}`);
}

export function queryInt(
  query: Record<string, unknown>,
  field: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = query[field];
  if (value === undefined || value === '') return fallback;
  const text = String(value);
  if (!/^-?\d+(\.\d+)?$/.test(text))
    throw new SchemaError(`query.${field}`, `expected a number, got ${describe(text)}`);
  const number = Number(text);
  if (number < min || number > max)
    throw new SchemaError(`query.${field}`, `expected ${min}..${max}, got ${number}`);
  return number;
}

export function queryOneOf<T extends string>(
  query: Record<string, unknown>,
  field: string,
  allowed: readonly T[],
): T | undefined {
  const value = query[field];
  if (value === undefined || value === '') return undefined;
  return expectOneOf(value, `query.${field}`, allowed);
}
