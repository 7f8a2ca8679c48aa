import { permanent } from '@crawlflow/contracts';
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../parse/definition.checkers';

export type ValidationOutcome = { valid: true } | { valid: false; reason: string };
export type RecordValidator = (record: unknown) => ValidationOutcome;

const MAX_CACHED = 500;
const cache = new Map<string, RecordValidator>();

/**
 * A validator for one JSON Schema, compiled once and cached by the schema's JSON (workers see the
 * same few schemas over and over). The reason lists ajv's errors as `<instancePath> <message>`,
 * `/` standing for the record itself. An uncompilable schema is a permanent failure.
 */
export function createValidator(schema: Record<string, unknown>): RecordValidator {
  const key = JSON.stringify(schema);
  const known = cache.get(key);
  if (known) return known;
  let validate: ValidateFunction;
  try {
    // One ajv instance per schema: nothing accumulates in a shared instance's registry, and two
    // schemas with the same $id cannot collide; the cache above makes this a once-per-schema cost.
    validate = createAjv().compile(schema);
  } catch (error) {
    throw permanent(`invalid JSON Schema: ${(error as Error).message}`, 'BAD_SCHEMA');
  }
  const validator: RecordValidator = (record) => {
    if (validate(record)) return { valid: true };
    const reason = (validate.errors ?? [])
      .map((e) => {
        const extra = (e.params as { additionalProperty?: string }).additionalProperty;
        return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra ? ` (${extra})` : ''}`;
      })
      .join('; ');
    return { valid: false, reason: reason || 'does not match the schema' };
  };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, validator);
  return validator;
}
