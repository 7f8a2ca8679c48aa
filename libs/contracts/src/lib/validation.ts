/** A value that failed a runtime schema; `path` points at the offending field (`$.payload.url`). */
export class SchemaError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'SchemaError';
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectRecord(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw new SchemaError(path, `expected an object, got ${describe(value)}`);
  return value;
}

export function expectString(value: unknown, path: string, maxLength = 10_000): string {
  if (typeof value !== 'string') throw new SchemaError(path, `expected a string, got ${describe(value)}`);
  if (value.length > maxLength) throw new SchemaError(path, `longer than ${maxLength} characters`);
  return value;
}

export function expectInt(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new SchemaError(path, `expected a whole number, got ${describe(value)}`);
  }
  if (value < min || value > max) throw new SchemaError(path, `expected ${min}..${max}, got ${value}`);
  return value;
}

/** `Date.toISOString()` output: `2026-11-29T02:03:11.123Z`. */
export const ISO_UTC_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * A UTC instant as `Date.toISOString()` writes it (`2026-11-29T02:03:11.123Z`), a real calendar
 * time within what a TIMESTAMP column holds.
 */
export function expectIsoTimestamp(value: unknown, path: string): string {
  if (typeof value !== 'string' || !ISO_UTC_TIME.test(value)) {
    throw new SchemaError(path, `expected a UTC time like 2026-01-31T12:00:00.000Z, got ${describe(value)}`);
  }
  const time = Date.parse(value);
  if (Number.isNaN(time) || new Date(time).toISOString() !== value) {
    throw new SchemaError(path, `no such time: ${value}`);
  }
  if (time < Date.UTC(1970, 0, 1, 0, 0, 1) || time >= Date.UTC(2038, 0, 19, 3, 14, 8)) {
    throw new SchemaError(path, `outside 1970..2038: ${value}`);
  }
  return value;
}

/** Database ids travel as decimal strings (BIGINT exceeds a double); numbers are accepted too. */
export function expectId(value: unknown, path: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value === 'string' && /^[1-9]\d{0,19}$/.test(value)) return value;
  throw new SchemaError(path, `expected a positive id, got ${describe(value)}`);
}

export function expectOneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new SchemaError(path, `expected one of ${allowed.join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

export function optional<T>(value: unknown, parse: (value: unknown) => T): T | undefined {
  return value === undefined || value === null ? undefined : parse(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return `symbol ${value.toString()}`;
  return `${typeof value} ${scalarText(value) ?? 'undefined'}`;
}

/**
 * The text of a scalar: a string as it is, a number, boolean or bigint as `String()` writes it.
 * Undefined for null, undefined, objects and lists, which have no text of their own (callers say
 * what those mean rather than printing "[object Object]").
 */
export function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return undefined;
  }
}

/** Parses a message body as JSON, turning a syntax error into a SchemaError at the root. */
export function parseJson(body: Buffer | string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (error) {
    throw new SchemaError('$', `not JSON (${(error as Error).message})`);
  }
}

/** A JSON text that should hold an object (params, attributes, payloads): anything else reads as {}. */
export function jsonObjectOf(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string' || text === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    return isRecord(value) ? value : {};
  } catch {
    return {};
  }
}
