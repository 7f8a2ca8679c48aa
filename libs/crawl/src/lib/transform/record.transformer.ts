import {
  compileUserRegex,
  fillTemplate,
  permanent,
  SchemaError,
  UserRegexError,
  type Json,
  type TransformOperation,
  type UserRegex,
} from '@crawlflow/contracts';
import { parseNumber } from '../parse/number.parser';

export type TransformRecord = Record<string, Json>;

/**
 * Applies a TRANSFORM step's operations in order to a copy of the record:
 * - `rename` moves a field (no-op when absent); `drop` removes one;
 * - `trim` trims strings; `regex_replace` replaces as String.replace does with the step's pattern
 *   and flags, on RE2 so that no pattern can backtrack for ever (`$1`, `$<name>`, `$&` work;
 *   nothing is evaluated as code); `to_number` reads numbers with the
 *   parser's rule (`1,234.50`, `₩12,000`, `12.000,50`), null when there is none — these three act
 *   on a string, or on each string of a list, and leave other values alone;
 * - `template` fills `{field}` placeholders from the record (a missing one fails the record);
 * - `default` sets a value where the field is absent, null or an empty string.
 */
export function applyTransforms(
  record: TransformRecord,
  operations: readonly TransformOperation[],
): TransformRecord {
  const result: TransformRecord = { ...record };
  for (const op of operations) {
    switch (op.op) {
      case 'rename':
        if (Object.prototype.hasOwnProperty.call(result, op.from) && op.from !== op.to) {
          result[op.to] = result[op.from];
          delete result[op.from];
        }
        break;
      case 'drop':
        delete result[op.field];
        break;
      case 'trim':
        mapStrings(result, op.field, (s) => s.trim());
        break;
      case 'regex_replace': {
        const regex = compile(op.pattern, op.flags);
        mapStrings(result, op.field, (s) => regex.replace(s, op.replacement));
        break;
      }
      case 'to_number':
        if (typeof result[op.field] === 'string' || Array.isArray(result[op.field])) {
          mapStrings(result, op.field, (s) => parseNumber(s) ?? null);
        }
        break;
      case 'template':
        result[op.field] = fillRecordTemplate(op.template, result);
        break;
      case 'default': {
        const current = result[op.field];
        if (current === undefined || current === null || current === '') result[op.field] = op.value;
        break;
      }
    }
  }
  return result;
}

function mapStrings(record: TransformRecord, field: string, fn: (value: string) => Json): void {
  const value = record[field];
  if (typeof value === 'string') record[field] = fn(value);
  else if (Array.isArray(value))
    record[field] = value.map((item) => (typeof item === 'string' ? fn(item) : item));
}

/** A pattern stored before RE2 was required may not compile: the record fails, nothing falls back. */
function compile(pattern: string, flags: string): UserRegex {
  try {
    return compileUserRegex(pattern, flags);
  } catch (error) {
    if (!(error instanceof UserRegexError)) throw error;
    throw permanent(`invalid regular expression /${pattern}/${flags}: ${error.message}`, 'BAD_REGEX');
  }
}

function fillRecordTemplate(template: string, record: TransformRecord): string {
  try {
    return fillTemplate(template, [record]);
  } catch (error) {
    const missing = error instanceof SchemaError ? error.path : 'a placeholder';
    throw permanent(
      `template "${template}": the record has no value for ${missing}`,
      'TEMPLATE_MISSING_FIELD',
    );
  }
}
