import type { Json, ParseConfig } from '@crawlflow/contracts';
import { permanent } from '@crawlflow/contracts';
import { fieldValue, type PageFacts, pageFactRaws, type ParsedRecord } from './field.coercer';
import { asParseFailure } from './html.parser';

type Segment = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'all' };

const SEGMENT = /^(?:\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[(\*)\]|\["([^"]+)"\])/;
const compiled = new Map<string, Segment[]>();

/**
 * Compiles the JSON path syntax the workflow schema accepts (`checkJsonPath`): `$` (the value
 * itself), `$.a.b`, `$.items[*]`, `$.a[0].b`, `$["odd key"]`, and the same without `$` (`a.b`).
 */
export function compileJsonPath(path: string): Segment[] {
  const known = compiled.get(path);
  if (known) return known;
  let rest = path.startsWith('$') ? path.slice(1) : `.${path}`;
  const segments: Segment[] = [];
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (!match) throw permanent(`invalid JSON path "${path}" at "${rest}"`, 'BAD_JSON_PATH');
    if (match[1] !== undefined) segments.push({ kind: 'key', key: match[1] });
    else if (match[2] !== undefined) segments.push({ kind: 'index', index: Number(match[2]) });
    else if (match[3] !== undefined) segments.push({ kind: 'all' });
    else segments.push({ kind: 'key', key: match[4] });
    rest = rest.slice(match[0].length);
  }
  if (compiled.size > 1_000) compiled.clear();
  compiled.set(path, segments);
  return segments;
}

/** Every value the path reaches (`[*]` fans out over an array's elements or an object's values). */
export function evaluateJsonPath(value: Json, path: string): Json[] {
  let current: Json[] = [value];
  for (const segment of compileJsonPath(path)) {
    const next: Json[] = [];
    for (const item of current) {
      if (item === null || typeof item !== 'object') continue;
      if (segment.kind === 'all') {
        next.push(...(Array.isArray(item) ? item : Object.values(item)));
      } else if (segment.kind === 'index') {
        if (Array.isArray(item) && segment.index < item.length) next.push(item[segment.index]);
      } else if (!Array.isArray(item) && Object.prototype.hasOwnProperty.call(item, segment.key)) {
        next.push(item[segment.key]);
      }
    }
    current = next;
  }
  return current;
}

/**
 * Reads records out of a JSON document: each value reached by `config.items` is a record (a path
 * that reaches one array, like `$.items`, yields its elements, as `$.items[*]` does); without
 * `items` the document is the one record. Field paths are relative to the record (`$` is the record).
 * A `list` field reaching one array yields its elements; otherwise a field takes the first value
 * reached, as is (an object or array read as `string` becomes its JSON text).
 * `baseUrl` resolves relative URLs of `type: url` fields; `"$page.<fact>"` fields read `facts`.
 */
export function parseJson(
  text: string,
  config: ParseConfig,
  baseUrl?: string,
  facts?: PageFacts,
): ParsedRecord[] {
  let document: Json;
  try {
    document = JSON.parse(text) as Json;
  } catch (error) {
    throw permanent(`the response is not valid JSON: ${(error as Error).message}`, 'BAD_JSON');
  }
  try {
    const records =
      config.items === undefined ? [document] : spread(evaluateJsonPath(document, config.items));
    return records.map((item) => {
      const record: ParsedRecord = {};
      for (const [name, spec] of Object.entries(config.fields)) {
        if (spec.page !== undefined) {
          record[name] = fieldValue(pageFactRaws(spec, facts), spec, baseUrl);
          continue;
        }
        const reached = spec.selector === undefined ? [item] : evaluateJsonPath(item, spec.selector);
        record[name] = fieldValue(spec.list ? spread(reached) : reached.slice(0, 1), spec, baseUrl);
      }
      return record;
    });
  } catch (error) {
    throw asParseFailure(error, 'JSON');
  }
}

function spread(values: Json[]): Json[] {
  return values.length === 1 && Array.isArray(values[0]) ? values[0] : values;
}
