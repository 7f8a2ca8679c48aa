import { describe, expectId, expectOneOf, SchemaError } from '@crawlflow/contracts';
import { queryText } from './pagination';

/*
 * Query and path validation on the contracts helpers (bodies: field-table.ts): every error is a
 * SchemaError naming the field as `query.<field>` or `params.<field>`, which the exception filter
 * answers as 400.
 */

/** A path parameter that must be an id (`/api/jobs/:id`). */
export function idParam(value: string, name = 'id'): string {
  return expectId(value, `params.${name}`);
}

/** Query values arrive as strings: an id given as text. */
export function queryId(query: Record<string, unknown>, field: string): string | undefined {
  const value = query[field];
  if (value === undefined || value === '') return undefined;
  return expectId(typeof value === 'string' ? value : value, `query.${field}`);
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
  const text = queryText(value);
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
