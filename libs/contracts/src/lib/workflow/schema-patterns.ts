import { compileUserRegex, UserRegexError } from '../user-regex';
import { isRecord, SchemaError } from '../validation';

// Keywords whose value is a subschema, a list of them, or a map of them (draft-07 and 2019/2020).
// Only these are walked: `const`, `enum`, `default` and `examples` hold data, where a key called
// "pattern" is no regex, and ajv ignores unknown keywords, so a pattern under one never runs.
const SUBSCHEMA = [
  'additionalItems',
  'additionalProperties',
  'contains',
  'else',
  'if',
  'items',
  'not',
  'propertyNames',
  'then',
  'unevaluatedItems',
  'unevaluatedProperties',
];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'items', 'oneOf', 'prefixItems'];
const SUBSCHEMA_MAPS = ['$defs', 'definitions', 'dependencies', 'dependentSchemas', 'properties'];

/**
 * Refuses the `pattern` and `patternProperties` regexes of a JSON Schema that RE2 cannot run, with
 * the JSON path of the pattern (`$.steps[3].config.schema.properties.sku.pattern`). The schema's
 * other problems are ajv's to report.
 */
export function checkSchemaPatterns(schema: unknown, path: string): void {
  if (!isRecord(schema)) return;
  if (typeof schema.pattern === 'string') checkPattern(schema.pattern, member(path, 'pattern'));
  if (isRecord(schema.patternProperties)) {
    for (const [pattern, subschema] of Object.entries(schema.patternProperties)) {
      const at = member(member(path, 'patternProperties'), pattern);
      checkPattern(pattern, at);
      checkSchemaPatterns(subschema, at);
    }
  }
  for (const keyword of SUBSCHEMA) checkSchemaPatterns(schema[keyword], member(path, keyword));
  for (const keyword of SUBSCHEMA_LISTS) {
    const list = schema[keyword];
    if (Array.isArray(list))
      list.forEach((subschema, i) => checkSchemaPatterns(subschema, `${member(path, keyword)}[${i}]`));
  }
  for (const keyword of SUBSCHEMA_MAPS) {
    const map = schema[keyword];
    if (!isRecord(map)) continue;
    for (const [key, subschema] of Object.entries(map))
      checkSchemaPatterns(subschema, member(member(path, keyword), key));
  }
}

function checkPattern(pattern: string, path: string): void {
  try {
    compileUserRegex(pattern);
  } catch (error) {
    if (error instanceof UserRegexError)
      throw new SchemaError(path, `invalid regular expression: ${error.message}`);
    throw error;
  }
}

/** `$.a.b` for plain names, `$.a["odd key"]` for the rest, as the README's JSON paths write them. */
function member(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
