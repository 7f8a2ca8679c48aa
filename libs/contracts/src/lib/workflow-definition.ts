import { placeholderNames } from './placeholders';
import { checkSchemaPatterns } from './schema-patterns';
import { compileUserRegex, UserRegexError } from './user-regex';
import {
  describe,
  expectInt,
  expectOneOf,
  expectRecord,
  expectString,
  SchemaError,
  type Json,
} from './validation';

export const STEP_TYPES = ['FETCH', 'PARSE', 'TRANSFORM', 'VALIDATE', 'STORE'] as const;
export type StepType = (typeof STEP_TYPES)[number];
export const ERROR_HANDLING = ['RETRY', 'SKIP', 'FAIL'] as const;
export type ErrorHandling = (typeof ERROR_HANDLING)[number];

export interface Backoff {
  base_ms: number;
  max_ms: number;
}

export interface CrawlScope {
  /** Where the crawl starts; defaults to the step's URL (url_pattern filled). */
  start_url?: string;
  /** `host`: same host as the start; `prefix`: URLs starting with `prefix` (default: the start URL); `pattern`: matching a regular expression. */
  scope: 'host' | 'prefix' | 'pattern';
  prefix?: string;
  pattern?: string;
  max_depth: number;
  max_pages: number;
  /** Which links to follow (default `a[href]`). */
  link_selector: string;
}

export interface FetchConfig {
  url_pattern?: string;
  /** Fan-out: the field of each input record that holds the URL to fetch. */
  url_field?: string;
  pagination: boolean;
  max_pages: number;
  start_page: number;
  crawl?: CrawlScope;
  headers: Record<string, string>;
  respect_robots: boolean;
  host_concurrency?: number;
  host_delay_ms?: number;
  timeout_ms?: number;
  max_bytes?: number;
}

export const FIELD_TYPES = ['string', 'number', 'int', 'boolean', 'url', 'html'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface FieldSpec {
  /** CSS selector inside the item (html), or a path inside it (json); omitted: the item itself. */
  selector?: string;
  attr?: string;
  type: FieldType;
  list: boolean;
  default?: Json;
}

export interface ParseConfig {
  parser: 'html' | 'json';
  /** The selector (html) or path (json) of each record; omitted: the whole document is one record. */
  items?: string;
  fields: Record<string, FieldSpec>;
}

export type TransformOperation =
  | { op: 'rename'; from: string; to: string }
  | { op: 'trim'; field: string }
  | { op: 'regex_replace'; field: string; pattern: string; replacement: string; flags: string }
  | { op: 'to_number'; field: string }
  | { op: 'template'; field: string; template: string }
  | { op: 'default'; field: string; value: Json }
  | { op: 'drop'; field: string };

export interface TransformConfig {
  operations: TransformOperation[];
}

export interface ValidateConfig {
  schema: Record<string, unknown>;
}

export interface StoreConfig {
  key: string;
}

interface StepBase {
  name: string;
  error_handling: ErrorHandling;
  max_retries: number;
  backoff: Backoff;
  input_mapping?: Record<string, string>;
  output_mapping?: Record<string, string>;
  target_type_id?: number;
}

export type StepDefinition =
  | (StepBase & { type: 'FETCH'; config: FetchConfig })
  | (StepBase & { type: 'PARSE'; config: ParseConfig })
  | (StepBase & { type: 'TRANSFORM'; config: TransformConfig })
  | (StepBase & { type: 'VALIDATE'; config: ValidateConfig })
  | (StepBase & { type: 'STORE'; config: StoreConfig });

export interface WorkflowDefinition {
  steps: StepDefinition[];
}

/** Checks a library outside contracts can do (CSS selector syntax, JSON Schema compilation). */
export interface DefinitionCheckers {
  /** Returns a problem, or undefined when the selector parses. */
  selector?: (selector: string) => string | undefined;
  jsonSchema?: (schema: Record<string, unknown>) => string | undefined;
}

export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_BACKOFF: Backoff = { base_ms: 1000, max_ms: 60_000 };
const STEP_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,49}$/; // workflow_executions.current_step is varchar(50)
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
const MAX_STEPS = 50;

/**
 * Validates a workflow definition and fills in defaults. Every error names the JSON path of the
 * problem (`$.steps[1].config.selectors.price`), so an API can answer 400 with it.
 */
export function parseWorkflowDefinition(
  value: unknown,
  checkers: DefinitionCheckers = {},
): WorkflowDefinition {
  const root = expectRecord(value, '$');
  rejectUnknown(root, ['steps'], '$');
  if (!Array.isArray(root.steps))
    throw new SchemaError('$.steps', `expected an array of steps, got ${describe(root.steps)}`);
  if (root.steps.length === 0) throw new SchemaError('$.steps', 'a workflow needs at least one step');
  if (root.steps.length > MAX_STEPS) throw new SchemaError('$.steps', `at most ${MAX_STEPS} steps`);
  const names = new Set<string>();
  const steps = root.steps.map((raw, index) => {
    const step = parseStep(raw, `$.steps[${index}]`, index, checkers);
    if (names.has(step.name))
      throw new SchemaError(`$.steps[${index}].name`, `duplicate step name "${step.name}"`);
    names.add(step.name);
    return step;
  });
  checkOrder(steps);
  return { steps };
}

function checkOrder(steps: StepDefinition[]): void {
  if (steps[0].type !== 'FETCH') throw new SchemaError('$.steps[0].type', 'the first step must be FETCH');
  steps.forEach((step, i) => {
    const path = `$.steps[${i}]`;
    const previous = steps[i - 1];
    if (step.type === 'PARSE' && previous?.type !== 'FETCH') {
      throw new SchemaError(`${path}.type`, 'PARSE reads pages: it must follow a FETCH step');
    }
    if (i > 0 && step.type !== 'PARSE' && previous.type === 'FETCH') {
      throw new SchemaError(
        `${path}.type`,
        `a FETCH step yields pages: follow it with PARSE, not ${step.type}`,
      );
    }
    if (step.type === 'FETCH' && i > 0) {
      const fetch = step.config;
      if (!fetch.url_field && !fetch.url_pattern) {
        throw new SchemaError(`${path}.config`, 'a FETCH fed with records needs url_field or url_pattern');
      }
      if (fetch.pagination || fetch.crawl) {
        throw new SchemaError(`${path}.config`, 'pagination and crawl apply to the first FETCH only');
      }
    }
    if (step.type === 'FETCH' && i === 0 && !step.config.url_pattern) {
      throw new SchemaError(
        `${path}.config.url_pattern`,
        'the first FETCH needs a url_pattern (e.g. "{base_url}/list")',
      );
    }
    if (step.type === 'FETCH' && i === 0 && step.config.url_field) {
      throw new SchemaError(
        `${path}.config.url_field`,
        'the first FETCH has no input records to read a URL from',
      );
    }
  });
  steps.forEach((step, i) => {
    if (step.type === 'STORE' && i !== steps.length - 1) {
      throw new SchemaError(`$.steps[${i}].type`, 'STORE must be the last step');
    }
    if (step.type === 'STORE' && i === 0)
      throw new SchemaError(`$.steps[${i}].type`, 'STORE needs records before it');
  });
  const last = steps[steps.length - 1];
  if (last.type === 'FETCH' && steps.length > 1) {
    throw new SchemaError(
      `$.steps[${steps.length - 1}].type`,
      'a workflow cannot end on a fan-out FETCH: add a PARSE after it',
    );
  }
}

function parseStep(raw: unknown, path: string, index: number, checkers: DefinitionCheckers): StepDefinition {
  const step = expectRecord(raw, path);
  rejectUnknown(
    step,
    [
      'name',
      'type',
      'config',
      'error_handling',
      'max_retries',
      'backoff',
      'input_mapping',
      'output_mapping',
      'target_type_id',
    ],
    path,
  );
  const name = expectString(step.name, `${path}.name`, 50);
  if (!STEP_NAME.test(name)) {
    throw new SchemaError(`${path}.name`, 'letters, digits, _ and -, starting with a letter, at most 50');
  }
  const type = expectOneOf(step.type, `${path}.type`, STEP_TYPES);
  const base: StepBase = {
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
  const config = step.config === undefined ? {} : expectRecord(step.config, `${path}.config`);
  const configPath = `${path}.config`;
  switch (type) {
    case 'FETCH':
      return { ...base, type, config: parseFetch(config, configPath, index) };
    case 'PARSE':
      return { ...base, type, config: parseParse(config, configPath, checkers) };
    case 'TRANSFORM':
      return { ...base, type, config: parseTransform(config, configPath) };
    case 'VALIDATE':
      return { ...base, type, config: parseValidate(config, configPath, checkers) };
    case 'STORE':
      return { ...base, type, config: parseStore(config, configPath) };
  }
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

function parseTemplate(value: unknown, path: string, allowed?: (name: string) => string | undefined): string {
  const template = expectString(value, path, 2000);
  for (const name of placeholderNames(template, path)) {
    const problem = allowed?.(name);
    if (problem) throw new SchemaError(path, problem);
  }
  return template;
}

function parseFetch(config: Record<string, unknown>, path: string, index: number): FetchConfig {
  rejectUnknown(
    config,
    [
      'url_pattern',
      'url_field',
      'pagination',
      'max_pages',
      'start_page',
      'crawl',
      'headers',
      'respect_robots',
      'host_concurrency',
      'host_delay_ms',
      'timeout_ms',
      'max_bytes',
    ],
    path,
  );
  const pagination =
    config.pagination === undefined ? false : expectBool(config.pagination, `${path}.pagination`);
  const fetch: FetchConfig = {
    pagination,
    max_pages:
      config.max_pages === undefined ? 100 : expectInt(config.max_pages, `${path}.max_pages`, 1, 100_000),
    start_page:
      config.start_page === undefined ? 1 : expectInt(config.start_page, `${path}.start_page`, 0, 1_000_000),
    headers: config.headers === undefined ? {} : parseHeaders(config.headers, `${path}.headers`),
    respect_robots:
      config.respect_robots === undefined
        ? true
        : expectBool(config.respect_robots, `${path}.respect_robots`),
  };
  if (config.url_pattern !== undefined) {
    fetch.url_pattern = parseTemplate(config.url_pattern, `${path}.url_pattern`, (name) =>
      name === 'page' && !pagination && index === 0 ? '{page} needs "pagination": true' : undefined,
    );
  }
  if (config.url_field !== undefined) fetch.url_field = expectField(config.url_field, `${path}.url_field`);
  if (config.crawl !== undefined) fetch.crawl = parseCrawl(config.crawl, `${path}.crawl`);
  if (fetch.crawl && pagination)
    throw new SchemaError(`${path}.crawl`, 'use either pagination or crawl, not both');
  if (config.host_concurrency !== undefined)
    fetch.host_concurrency = expectInt(config.host_concurrency, `${path}.host_concurrency`, 1, 1000);
  if (config.host_delay_ms !== undefined)
    fetch.host_delay_ms = expectInt(config.host_delay_ms, `${path}.host_delay_ms`, 0, 3_600_000);
  if (config.timeout_ms !== undefined)
    fetch.timeout_ms = expectInt(config.timeout_ms, `${path}.timeout_ms`, 100, 600_000);
  if (config.max_bytes !== undefined)
    fetch.max_bytes = expectInt(config.max_bytes, `${path}.max_bytes`, 1024, 1024 * 1024 * 1024);
  return fetch;
}

function parseCrawl(raw: unknown, path: string): CrawlScope {
  const crawl = expectRecord(raw, path);
  rejectUnknown(
    crawl,
    ['start_url', 'scope', 'prefix', 'pattern', 'max_depth', 'max_pages', 'link_selector'],
    path,
  );
  const scope =
    crawl.scope === undefined
      ? 'host'
      : expectOneOf(crawl.scope, `${path}.scope`, ['host', 'prefix', 'pattern'] as const);
  const result: CrawlScope = {
    scope,
    max_depth: crawl.max_depth === undefined ? 3 : expectInt(crawl.max_depth, `${path}.max_depth`, 0, 100),
    max_pages:
      crawl.max_pages === undefined ? 1000 : expectInt(crawl.max_pages, `${path}.max_pages`, 1, 1_000_000),
    link_selector:
      crawl.link_selector === undefined
        ? 'a[href]'
        : expectString(crawl.link_selector, `${path}.link_selector`, 500),
  };
  if (crawl.start_url !== undefined) result.start_url = parseTemplate(crawl.start_url, `${path}.start_url`);
  if (crawl.prefix !== undefined) result.prefix = parseTemplate(crawl.prefix, `${path}.prefix`);
  if (crawl.pattern !== undefined) {
    result.pattern = expectString(crawl.pattern, `${path}.pattern`, 500);
    checkRegex(result.pattern, '', `${path}.pattern`, `${path}.pattern`);
  }
  if (scope === 'pattern' && !result.pattern)
    throw new SchemaError(`${path}.pattern`, 'scope "pattern" needs a pattern');
  return result;
}

function parseHeaders(raw: unknown, path: string): Record<string, string> {
  const headers = expectRecord(raw, path);
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[A-Za-z0-9-]{1,100}$/.test(name))
      throw new SchemaError(`${path}.${name}`, 'not a valid header name');
    const text = expectString(value, `${path}.${name}`, 4000);
    if (/[\r\n]/.test(text))
      throw new SchemaError(`${path}.${name}`, 'header values cannot contain line breaks');
    result[name] = text;
  }
  return result;
}

function parseParse(
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
  if (typeof value === 'string') return { selector: checkSelector(value, path), type: 'string', list: false };
  const spec = expectRecord(value, path);
  rejectUnknown(spec, ['selector', 'path', 'attr', 'type', 'list', 'default'], path);
  const selectorValue = spec.selector ?? spec.path;
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

function parseTransform(config: Record<string, unknown>, path: string): TransformConfig {
  rejectUnknown(config, ['operations'], path);
  if (!Array.isArray(config.operations))
    throw new SchemaError(`${path}.operations`, 'expected an array of operations');
  return {
    operations: config.operations.map((raw, i): TransformOperation => {
      const at = `${path}.operations[${i}]`;
      const op = expectRecord(raw, at);
      const kind = expectOneOf(op.op, `${at}.op`, [
        'rename',
        'trim',
        'regex_replace',
        'to_number',
        'template',
        'default',
        'drop',
      ] as const);
      switch (kind) {
        case 'rename':
          rejectUnknown(op, ['op', 'from', 'to'], at);
          return { op: kind, from: expectField(op.from, `${at}.from`), to: expectField(op.to, `${at}.to`) };
        case 'regex_replace': {
          rejectUnknown(op, ['op', 'field', 'pattern', 'replacement', 'flags'], at);
          const pattern = expectString(op.pattern, `${at}.pattern`, 500);
          const flags = op.flags === undefined ? 'g' : expectString(op.flags, `${at}.flags`, 10);
          checkRegex(pattern, flags, `${at}.pattern`, `${at}.flags`);
          return {
            op: kind,
            field: expectField(op.field, `${at}.field`),
            pattern,
            replacement:
              op.replacement === undefined ? '' : expectString(op.replacement, `${at}.replacement`, 1000),
            flags,
          };
        }
        case 'template':
          rejectUnknown(op, ['op', 'field', 'template'], at);
          return {
            op: kind,
            field: expectField(op.field, `${at}.field`),
            template: parseTemplate(op.template, `${at}.template`),
          };
        case 'default':
          rejectUnknown(op, ['op', 'field', 'value'], at);
          if (!('value' in op)) throw new SchemaError(`${at}.value`, 'required');
          return { op: kind, field: expectField(op.field, `${at}.field`), value: op.value as Json };
        default:
          rejectUnknown(op, ['op', 'field'], at);
          return { op: kind, field: expectField(op.field, `${at}.field`) };
      }
    }),
  };
}

function parseValidate(
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

function parseStore(config: Record<string, unknown>, path: string): StoreConfig {
  rejectUnknown(config, ['key'], path);
  return { key: expectField(config.key, `${path}.key`) };
}

function expectField(value: unknown, path: string): string {
  const name = expectString(value, path, 100);
  if (!FIELD_NAME.test(name)) throw new SchemaError(path, `"${name}" is not a valid field name`);
  return name;
}

function expectBool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean')
    throw new SchemaError(path, `expected true or false, got ${describe(value)}`);
  return value;
}

/** User patterns run on RE2 (see user-regex): what it cannot compile is refused here, at creation. */
function checkRegex(pattern: string, flags: string, patternPath: string, flagsPath: string): void {
  try {
    compileUserRegex(pattern, flags);
  } catch (error) {
    if (!(error instanceof UserRegexError)) throw error;
    if (error.part === 'flags') throw new SchemaError(flagsPath, error.message);
    throw new SchemaError(patternPath, `invalid regular expression: ${error.message}`);
  }
}

function rejectUnknown(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw new SchemaError(`${path}.${key}`, `unknown property (allowed: ${allowed.join(', ')})`);
  }
}

/**
 * The seed design's example workflow, verbatim: paginated list pages, items parsed from each. The
 * OpenAPI example and the tests that hold the product to the seed use this one copy.
 */
export const SEED_EXAMPLE_DEFINITION = {
  steps: [
    {
      name: 'fetch_list',
      type: 'FETCH',
      config: { url_pattern: '{base_url}/list?page={page}', pagination: true, max_pages: 100 },
    },
    {
      name: 'parse_items',
      type: 'PARSE',
      config: { parser: 'html', selectors: { items: '.product-item', name: '.title', price: '.price' } },
    },
  ],
};
