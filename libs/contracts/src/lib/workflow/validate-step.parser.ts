import { expectRecord, SchemaError } from '../validation';
import { rejectUnknown } from './config-fields';
import type { DefinitionCheckers, ValidateConfig } from './definition.types';
import { checkSchemaPatterns } from './schema-patterns';

/**
 * A VALIDATE step's config: a JSON Schema per record. Its regexes are checked here (RE2), the rest
 * of the schema by `checkers.jsonSchema` (contracts has no JSON Schema library).
 */
export function parseValidateConfig(
  config: Record<string, unknown>,
  path: string,
  checkers: DefinitionCheckers,
): ValidateConfig {
  rejectUnknown(config, ['schema'], path);
  const schema = expectRecord(config.schema, `${path}.schema`);
  checkSchemaPatterns(schema, `${path}.schema`);
  const problem = checkers.jsonSchema?.(schema);
  if (problem) throw new SchemaError(`${path}.schema`, `invalid JSON Schema: ${problem}`);
  return { schema };
}
