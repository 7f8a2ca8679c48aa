import type {
  FetchOptions,
  FetchTaskOutput,
  FetchTaskPayload,
  PageSource,
  ParseTaskOutput,
  ParseTaskPayload,
  PostStep,
  RecordProblem,
  StoreTaskOutput,
  StorePage,
  StoreTaskPayload,
  TaskContext,
} from './step-payloads';
import type { Stage } from './topology';
import {
  expectId,
  expectInt,
  expectOneOf,
  expectRecord,
  expectString,
  isRecord,
  optional,
  SchemaError,
  type Json,
} from './validation';
import type { FieldSpec, TransformOperation } from './workflow';
import { PAGE_FACTS } from './workflow/definition.types';

/** What each stage's tasks carry and report: the payload its worker reads, the output it returns. */
export interface StageContract {
  fetch: { payload: FetchTaskPayload; output: FetchTaskOutput };
  parse: { payload: ParseTaskPayload; output: ParseTaskOutput };
  store: { payload: StoreTaskPayload; output: StoreTaskOutput };
}

export type StagePayload<S extends Stage> = StageContract[S]['payload'];
export type StageOutput<S extends Stage> = StageContract[S]['output'];

const MAX_URL = 8192;
const STEP_TYPES = ['TRANSFORM', 'VALIDATE'] as const;
const OPS = ['rename', 'trim', 'regex_replace', 'to_number', 'template', 'default', 'drop'] as const;
const FIELD_TYPES = ['string', 'number', 'int', 'boolean', 'url', 'html'] as const;

/**
 * A task's payload read at the worker's edge: a malformed one is a SchemaError naming the path (the
 * task then fails permanently), never a TypeError deep inside a step.
 */
export function parseStagePayload<S extends Stage>(
  stage: S,
  value: unknown,
  path = '$.payload',
): StagePayload<S> {
  const parsers: { [K in Stage]: (value: unknown, path: string) => StagePayload<K> } = {
    fetch: fetchPayload,
    parse: parsePayload,
    store: storePayload,
  };
  return parsers[stage](value, path);
}

/** A worker's output read at the orchestrator's edge, by the stage of its task. */
export function parseStageOutput<S extends Stage>(
  stage: S,
  value: unknown,
  path = '$.output',
): StageOutput<S> {
  const parsers: { [K in Stage]: (value: unknown, path: string) => StageOutput<K> } = {
    fetch: fetchOutput,
    parse: parseOutput,
    store: storeOutput,
  };
  return parsers[stage](value ?? {}, path);
}

/** The ctx a task carries and its result echoes. */
export function parseTaskContext(value: unknown, path = '$.ctx'): TaskContext {
  const ctx = expectRecord(value, path);
  return {
    step: expectInt(ctx.step, `${path}.step`, 0, 1000),
    ...(ctx.page !== undefined ? { page: expectInt(ctx.page, `${path}.page`, 0, 1_000_000) } : {}),
    ...(ctx.depth !== undefined ? { depth: expectInt(ctx.depth, `${path}.depth`, 0, 1000) } : {}),
    ...(ctx.source !== undefined ? { source: pageSource(ctx.source, `${path}.source`) } : {}),
    ...(ctx.pages !== undefined ? { pages: storePages(ctx.pages, `${path}.pages`) } : {}),
  };
}

function storePages(value: unknown, path: string): StorePage[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new SchemaError(path, 'expected a non-empty array of pages');
  return value.map((item, i) => {
    const page = expectRecord(item, `${path}[${i}]`);
    return {
      ...(page.source !== undefined ? { source: pageSource(page.source, `${path}[${i}].source`) } : {}),
      records: expectInt(page.records, `${path}[${i}].records`, 0, Number.MAX_SAFE_INTEGER),
    };
  });
}

function pageSource(value: unknown, path: string): PageSource {
  const source = expectRecord(value, path);
  const text = (key: string, max: number): Record<string, string> =>
    source[key] === undefined ? {} : { [key]: expectString(source[key], `${path}.${key}`, max) };
  return {
    url: expectString(source.url, `${path}.url`, MAX_URL),
    ...text('fetched_at', 40),
    ...text('etag', 500),
    ...text('last_modified', 100),
  };
}

function record(value: unknown, path: string): Record<string, unknown> {
  return expectRecord(value, path);
}

function records(value: unknown, path: string): Array<Record<string, unknown>> {
  if (!Array.isArray(value)) throw new SchemaError(path, 'expected an array of records');
  return value.map((item, i) => record(item, `${path}[${i}]`));
}

function strings(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) throw new SchemaError(path, 'expected an array of strings');
  return value.map((item, i) => expectString(item, `${path}[${i}]`, MAX_URL));
}

function flag(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new SchemaError(path, 'expected true or false');
  return value;
}

function fetchOptions(value: unknown, path: string): FetchOptions {
  const options = expectRecord(value, path);
  const headers = optional(options.headers, (v) => {
    const raw = expectRecord(v, `${path}.headers`);
    return Object.fromEntries(
      Object.entries(raw).map(([name, text]) => [name, expectString(text, `${path}.headers.${name}`, 8192)]),
    );
  });
  const int = (key: keyof FetchOptions, max: number): Partial<FetchOptions> =>
    options[key] === undefined ? {} : { [key]: expectInt(options[key], `${path}.${key}`, 0, max) };
  return {
    ...(headers ? { headers } : {}),
    ...(options.respect_robots !== undefined
      ? { respect_robots: flag(options.respect_robots, `${path}.respect_robots`) }
      : {}),
    ...int('host_concurrency', 10_000),
    ...int('host_delay_ms', 86_400_000),
    ...int('timeout_ms', 86_400_000),
    ...int('max_bytes', 1024 ** 4),
  };
}

function fetchPayload(value: unknown, path: string): FetchTaskPayload {
  const payload = expectRecord(value, path);
  return {
    ctx: parseTaskContext(payload.ctx, `${path}.ctx`),
    workflow_id: expectId(payload.workflow_id, `${path}.workflow_id`),
    ...(payload.workflow_version !== undefined
      ? { workflow_version: expectInt(payload.workflow_version, `${path}.workflow_version`, 1, 2 ** 31 - 1) }
      : {}),
    url: expectString(payload.url, `${path}.url`, MAX_URL),
    conditional: flag(payload.conditional, `${path}.conditional`),
    ...(payload.fans_out !== undefined ? { fans_out: flag(payload.fans_out, `${path}.fans_out`) } : {}),
    ...(payload.parent !== undefined ? { parent: record(payload.parent, `${path}.parent`) } : {}),
    options: fetchOptions(payload.options ?? {}, `${path}.options`),
  };
}

function fieldSpec(value: unknown, path: string): FieldSpec {
  const spec = expectRecord(value, path);
  return {
    ...(spec.selector !== undefined ? { selector: expectString(spec.selector, `${path}.selector`) } : {}),
    ...(spec.page !== undefined ? { page: expectOneOf(spec.page, `${path}.page`, PAGE_FACTS) } : {}),
    ...(spec.attr !== undefined ? { attr: expectString(spec.attr, `${path}.attr`, 200) } : {}),
    type: expectOneOf(spec.type, `${path}.type`, FIELD_TYPES),
    list: flag(spec.list, `${path}.list`),
    ...(spec.default !== undefined ? { default: spec.default as Json } : {}),
  };
}

function operation(value: unknown, path: string): TransformOperation {
  const op = expectRecord(value, path);
  const kind = expectOneOf(op.op, `${path}.op`, OPS);
  const text = (key: string): string => expectString(op[key], `${path}.${key}`);
  switch (kind) {
    case 'rename':
      return { op: kind, from: text('from'), to: text('to') };
    case 'regex_replace':
      return {
        op: kind,
        field: text('field'),
        pattern: text('pattern'),
        replacement: text('replacement'),
        flags: text('flags'),
      };
    case 'template':
      return { op: kind, field: text('field'), template: text('template') };
    case 'default':
      return { op: kind, field: text('field'), value: (op.value ?? null) as Json };
    default:
      return { op: kind, field: text('field') };
  }
}

function postStep(value: unknown, path: string): PostStep {
  const step = expectRecord(value, path);
  const type = expectOneOf(step.type, `${path}.type`, STEP_TYPES);
  const base = {
    step: expectInt(step.step, `${path}.step`, 0, 1000),
    name: expectString(step.name, `${path}.name`, 100),
  };
  if (type === 'TRANSFORM') {
    if (!Array.isArray(step.operations)) throw new SchemaError(`${path}.operations`, 'expected an array');
    return {
      ...base,
      type,
      operations: step.operations.map((op, i) => operation(op, `${path}.operations[${i}]`)),
    };
  }
  return {
    ...base,
    type,
    schema: expectRecord(step.schema, `${path}.schema`),
    error_handling: expectOneOf(step.error_handling, `${path}.error_handling`, [
      'RETRY',
      'SKIP',
      'FAIL',
    ] as const),
  };
}

function parsePayload(value: unknown, path: string): ParseTaskPayload {
  const payload = expectRecord(value, path);
  const parse = expectRecord(payload.parse, `${path}.parse`);
  const fields = expectRecord(parse.fields, `${path}.parse.fields`);
  if (!Array.isArray(payload.post)) throw new SchemaError(`${path}.post`, 'expected an array of steps');
  return {
    ctx: parseTaskContext(payload.ctx, `${path}.ctx`),
    page_id: expectId(payload.page_id, `${path}.page_id`),
    url: expectString(payload.url, `${path}.url`, MAX_URL),
    ...(payload.parent !== undefined ? { parent: record(payload.parent, `${path}.parent`) } : {}),
    parse: {
      parser: expectOneOf(parse.parser, `${path}.parse.parser`, ['html', 'json'] as const),
      ...(parse.items !== undefined ? { items: expectString(parse.items, `${path}.parse.items`) } : {}),
      fields: Object.fromEntries(
        Object.entries(fields).map(([name, spec]) => [name, fieldSpec(spec, `${path}.parse.fields.${name}`)]),
      ),
    },
    post: payload.post.map((step, i) => postStep(step, `${path}.post[${i}]`)),
    ...(payload.links !== undefined
      ? {
          links: {
            selector: expectString(
              expectRecord(payload.links, `${path}.links`).selector,
              `${path}.links.selector`,
            ),
          },
        }
      : {}),
  };
}

function storePayload(value: unknown, path: string): StoreTaskPayload {
  const payload = expectRecord(value, path);
  const ctx = parseTaskContext(payload.ctx, `${path}.ctx`);
  const items = records(payload.records, `${path}.records`);
  const counted = ctx.pages?.reduce((sum, page) => sum + page.records, 0);
  if (counted !== undefined && counted !== items.length)
    throw new SchemaError(`${path}.ctx.pages`, `counts ${counted} records, the task has ${items.length}`);
  return {
    ctx,
    workflow_id: expectId(payload.workflow_id, `${path}.workflow_id`),
    key: expectString(payload.key, `${path}.key`, 200),
    records: items,
  };
}

function fetchOutput(value: unknown, path: string): FetchTaskOutput {
  const output = expectRecord(value, path);
  return {
    url: expectString(output.url, `${path}.url`, MAX_URL),
    status: expectInt(output.status, `${path}.status`, 100, 599),
    ...(output.page_id !== undefined ? { page_id: expectId(output.page_id, `${path}.page_id`) } : {}),
    not_modified: flag(output.not_modified, `${path}.not_modified`),
    bytes: expectInt(output.bytes, `${path}.bytes`, 0, Number.MAX_SAFE_INTEGER),
    ...(output.parent !== undefined ? { parent: record(output.parent, `${path}.parent`) } : {}),
    ...(output.source !== undefined ? { source: pageSource(output.source, `${path}.source`) } : {}),
  };
}

function problem(value: unknown, path: string): RecordProblem {
  const item = expectRecord(value, path);
  return {
    step: expectString(item.step, `${path}.step`, 100),
    reason: expectString(item.reason, `${path}.reason`),
    ...(isRecord(item.record) ? { record: item.record } : {}),
  };
}

function parseOutput(value: unknown, path: string): ParseTaskOutput {
  const output = expectRecord(value, path);
  return {
    page_id: output.page_id === '' ? '' : expectId(output.page_id, `${path}.page_id`),
    records: records(output.records ?? [], `${path}.records`),
    ...(output.links !== undefined ? { links: strings(output.links, `${path}.links`) } : {}),
    ...(output.rejected !== undefined
      ? {
          rejected: (Array.isArray(output.rejected) ? output.rejected : []).map((item, i) =>
            problem(item, `${path}.rejected[${i}]`),
          ),
        }
      : {}),
  };
}

function storeOutput(value: unknown, path: string): StoreTaskOutput {
  const output = expectRecord(value, path);
  const count = (key: string): number =>
    expectInt(output[key] ?? 0, `${path}.${key}`, 0, Number.MAX_SAFE_INTEGER);
  return {
    inserted: count('inserted'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    skipped: count('skipped'),
    ...(output.skipped_reasons !== undefined
      ? { skipped_reasons: strings(output.skipped_reasons, `${path}.skipped_reasons`) }
      : {}),
    ...(output.last_key !== undefined
      ? { last_key: expectString(output.last_key, `${path}.last_key`, 255) }
      : {}),
  };
}
