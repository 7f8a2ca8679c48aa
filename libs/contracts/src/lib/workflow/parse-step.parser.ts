import { expectOneOf, expectRecord, expectString, SchemaError, type Json } from '../validation';
import { expectBool, FIELD_NAME, rejectUnknown } from './config-fields';
import {
  type DefinitionCheckers,
  FIELD_TYPES,
  type FieldSpec,
  type FieldType,
  PAGE_FACT_PREFIX,
  PAGE_FACTS,
  type PageFact,
  type ParseConfig,
} from './definition.types';

/**
 * A PARSE step's config: `selectors` holds `items` (where each record is) and one entry per field.
 * CSS selectors are checked by `checkers.selector` (contracts has no HTML library), JSON paths here.
 */
export function parseParseConfig(
  config: Record<string, unknown>,
  path: string,
  checkers: DefinitionCheckers,
): ParseConfig {
  rejectUnknown(config, ['parser', 'selectors', 'fields'], path);
  const parser =
    config.parser === undefined
      ? 'html'
      : expectOneOf(config.parser, `${path}.parser`, ['html', 'json'] as const);
  const selectorsPath = `${path}.selectors`;
  const selectors = expectRecord(config.selectors, selectorsPath);
  const checkSelector = (selector: string, at: string): string => {
    if (parser === 'html') {
      const problem = checkers.selector?.(selector);
      if (problem) throw new SchemaError(at, `invalid CSS selector: ${problem}`);
    } else {
      checkJsonPath(selector, at);
    }
    return selector;
  };
  let items: string | undefined;
  const fields: Record<string, FieldSpec> = {};
  for (const [key, value] of Object.entries(selectors)) {
    const at = `${selectorsPath}.${key}`;
    if (key === 'items') {
      items = checkSelector(expectString(value, at, 1000), at);
      continue;
    }
    if (!FIELD_NAME.test(key)) throw new SchemaError(at, 'field names are letters, digits and _');
    fields[key] = parseField(value, at, checkSelector);
  }
  if (Object.keys(fields).length === 0)
    throw new SchemaError(selectorsPath, 'name at least one field besides "items"');
  return { parser, ...(items !== undefined ? { items } : {}), fields };
}

function parseField(
  value: unknown,
  path: string,
  checkSelector: (selector: string, at: string) => string,
): FieldSpec {
  if (typeof value === 'string') {
    if (value.startsWith(PAGE_FACT_PREFIX)) {
      const page = pageFact(value, path);
      return { page, type: PAGE_FACT_TYPES[page], list: false };
    }
    return { selector: checkSelector(value, path), type: 'string', list: false };
  }
  const spec = expectRecord(value, path);
  rejectUnknown(spec, ['selector', 'path', 'attr', 'type', 'list', 'default'], path);
  const selectorValue = spec.selector ?? spec.path;
  if (typeof selectorValue === 'string' && selectorValue.startsWith(PAGE_FACT_PREFIX)) {
    const at = `${path}.${spec.selector !== undefined ? 'selector' : 'path'}`;
    for (const key of ['attr', 'list'] as const) {
      if (spec[key] !== undefined)
        throw new SchemaError(`${path}.${key}`, `a "$page." field takes no ${key}`);
    }
    const page = pageFact(selectorValue, at);
    return {
      page,
      type:
        spec.type === undefined ? PAGE_FACT_TYPES[page] : expectOneOf(spec.type, `${path}.type`, FIELD_TYPES),
      list: false,
      ...(spec.default !== undefined ? { default: spec.default as Json } : {}),
    };
  }
  const field: FieldSpec = {
    type: spec.type === undefined ? 'string' : expectOneOf(spec.type, `${path}.type`, FIELD_TYPES),
    list: spec.list === undefined ? false : expectBool(spec.list, `${path}.list`),
  };
  if (selectorValue !== undefined) {
    const at = `${path}.${spec.selector !== undefined ? 'selector' : 'path'}`;
    field.selector = checkSelector(expectString(selectorValue, at, 1000), at);
  }
  if (spec.attr !== undefined) field.attr = expectString(spec.attr, `${path}.attr`, 100);
  if (spec.default !== undefined) field.default = spec.default as Json;
  return field;
}

/** A page fact's own type, unless the field names another: a status is a number, a URL a URL. */
const PAGE_FACT_TYPES: Record<PageFact, FieldType> = {
  url: 'url',
  fetched_at: 'string',
  status: 'int',
  number: 'int',
};

function pageFact(value: string, at: string): PageFact {
  const fact = value.slice(PAGE_FACT_PREFIX.length);
  if (!(PAGE_FACTS as readonly string[]).includes(fact)) {
    throw new SchemaError(
      at,
      `unknown page fact "${value}": one of ${PAGE_FACTS.map((f) => PAGE_FACT_PREFIX + f).join(', ')}`,
    );
  }
  return fact as PageFact;
}

/** `$`, `$.a.b`, `$.items[*]`, `$.a[0].b`, `name`, `a.b` — see the README's JSON path syntax. */
export function checkJsonPath(path: string, at: string): void {
  if (
    !/^(\$|[A-Za-z_][\w-]*|\$(\.[A-Za-z_][\w-]*|\[(\d+|\*)\]|\["[^"]+"\])*|[A-Za-z_][\w-]*((\.[A-Za-z_][\w-]*)|\[(\d+|\*)\]|\["[^"]+"\])*)$/.test(
      path,
    )
  ) {
    throw new SchemaError(at, `invalid JSON path "${path}"`);
  }
}
