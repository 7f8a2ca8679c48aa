import { expectInt, expectOneOf, expectRecord, expectString, SchemaError } from '../validation';
import { FIELD_NAME, rejectUnknown } from './config-fields';
import { type Backoff, ERROR_HANDLING, type StepBase } from './definition.types';

export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_BACKOFF: Backoff = { base_ms: 1000, max_ms: 60_000 };
const STEP_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,49}$/; // workflow_executions.current_step is varchar(50)

/** Every property a step may have; its `config` is checked by the parser of its type. */
export const STEP_PROPERTIES = [
  'name',
  'type',
  'config',
  'error_handling',
  'max_retries',
  'backoff',
  'input_mapping',
  'output_mapping',
  'target_type_id',
] as const;

export function parseStepName(value: unknown, path: string): string {
  const name = expectString(value, path, 50);
  if (!STEP_NAME.test(name)) {
    throw new SchemaError(path, 'letters, digits, _ and -, starting with a letter, at most 50');
  }
  return name;
}

/** The fields every step has besides its name, type and config, with their defaults filled in. */
export function parseStepFields(step: Record<string, unknown>, path: string, name: string): StepBase {
  return {
    name,
    error_handling:
      step.error_handling === undefined
        ? 'RETRY'
        : expectOneOf(step.error_handling, `${path}.error_handling`, ERROR_HANDLING),
    max_retries:
      step.max_retries === undefined
        ? DEFAULT_MAX_RETRIES
        : expectInt(step.max_retries, `${path}.max_retries`, 0, 20),
    backoff: parseBackoff(step.backoff, `${path}.backoff`),
    ...(step.input_mapping !== undefined
      ? { input_mapping: parseMapping(step.input_mapping, `${path}.input_mapping`) }
      : {}),
    ...(step.output_mapping !== undefined
      ? { output_mapping: parseMapping(step.output_mapping, `${path}.output_mapping`) }
      : {}),
    ...(step.target_type_id !== undefined
      ? {
          target_type_id: expectInt(
            step.target_type_id,
            `${path}.target_type_id`,
            1,
            Number.MAX_SAFE_INTEGER,
          ),
        }
      : {}),
  };
}

function parseBackoff(raw: unknown, path: string): Backoff {
  if (raw === undefined) return { ...DEFAULT_BACKOFF };
  const backoff = expectRecord(raw, path);
  rejectUnknown(backoff, ['base_ms', 'max_ms'], path);
  const base_ms =
    backoff.base_ms === undefined
      ? DEFAULT_BACKOFF.base_ms
      : expectInt(backoff.base_ms, `${path}.base_ms`, 0, 3_600_000);
  const max_ms =
    backoff.max_ms === undefined
      ? Math.max(base_ms, DEFAULT_BACKOFF.max_ms)
      : expectInt(backoff.max_ms, `${path}.max_ms`, 0, 86_400_000);
  if (max_ms < base_ms) throw new SchemaError(`${path}.max_ms`, 'must not be below base_ms');
  return { base_ms, max_ms };
}

function parseMapping(raw: unknown, path: string): Record<string, string> {
  const mapping = expectRecord(raw, path);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(mapping)) {
    if (!FIELD_NAME.test(key)) throw new SchemaError(`${path}.${key}`, 'not a valid field name');
    result[key] = expectString(value, `${path}.${key}`, 200);
  }
  return result;
}
